# Copyright (c) mmddad contributors. All rights reserved.
"""DDAD's first discriminator: the teacher's BatchNorm statistics."""
from contextlib import contextmanager
from functools import partial
from typing import Dict, Iterator, List, Tuple

import torch
import torch.distributed as torch_dist
import torch.nn as nn
from mmengine.dist import get_world_size
from torch.nn.modules.batchnorm import _BatchNorm
from torch.utils.hooks import RemovableHandle

from mmddad.registry import MODELS
from .base_loss_term import BaseLossTerm


def batch_mean_var(x: torch.Tensor,
                   global_batch: bool = False
                   ) -> Tuple[torch.Tensor, torch.Tensor]:
    """Per-channel mean and biased variance of ``x`` over all dims but 1.

    Args:
        x (Tensor): A BN layer's input, (N, C, ...). Computed in fp32.
        global_batch (bool): All-reduce E[x] and E[x^2] over the ranks of
            the default process group (differentiable), so the statistics are
            those of the global batch. Needs equal batch sizes on all ranks.

    Returns:
        tuple[Tensor, Tensor]: mean and variance, each of shape (C, ).
    """
    x = x.float()
    dims = [0] + list(range(2, x.dim()))
    world_size = get_world_size()
    if global_batch and world_size > 1:
        from torch.distributed.nn.functional import all_reduce
        moments = torch.stack([x.mean(dims), (x * x).mean(dims)])
        moments = all_reduce(moments, op=torch_dist.ReduceOp.SUM) / world_size
        mean = moments[0]
        return mean, moments[1] - mean * mean
    var, mean = torch.var_mean(x, dim=dims, unbiased=False)
    return mean, var


@MODELS.register_module()
class BNStatisticsLoss(BaseLossTerm):
    """DDAD's first discriminator: distance between a generated batch's
    statistics and the teacher's BatchNorm running statistics.

    Inside :meth:`recording`, every BatchNorm layer of the attached teacher
    keeps its input; :meth:`loss` takes the per-channel mean and biased
    variance of each. Per layer ``l`` the distance is
    ``D_l = ||mu_l - running_mean_l||_2 + ||var_l - running_var_l||_2``; the
    loss is ``sum_l w_l * D_l`` (``layer_reduction='sum'``) or its mean over
    the layers (``'mean'``), with ``w_l = first_bn_multiplier`` for the first
    layer and 1 otherwise. Forwards outside :meth:`recording` cost nothing
    extra.

    Args:
        loss_weight (float): Multiplier of the term. Defaults to 1.
        first_bn_multiplier (float): Weight of the first BN layer, which sees
            the image most directly. Defaults to 1.
        global_batch (bool): Use the global batch's statistics under DDP (an
            all-reduce per layer). Defaults to False.
        layer_reduction (str): ``'sum'`` or ``'mean'`` over the layers. The
            mean keeps the term's scale independent of the teacher's depth.
            Defaults to ``'sum'``.
    """

    def __init__(self,
                 loss_weight: float = 1.0,
                 first_bn_multiplier: float = 1.0,
                 global_batch: bool = False,
                 layer_reduction: str = 'sum') -> None:
        super().__init__(loss_weight)
        if layer_reduction not in ('sum', 'mean'):
            raise ValueError("BNStatisticsLoss: `layer_reduction` must be "
                             f"'sum' or 'mean', got {layer_reduction!r}")
        self.layer_reduction = layer_reduction
        if first_bn_multiplier < 0:
            raise ValueError('BNStatisticsLoss: `first_bn_multiplier` must be '
                             f'>= 0, got {first_bn_multiplier}')
        self.first_bn_multiplier = first_bn_multiplier
        self.global_batch = global_batch
        #: BN layer -> weight (first_bn_multiplier for the first layer)
        self._layers: Dict[_BatchNorm, float] = {}
        #: BN layer -> its input tuple, of the last recording block
        self._inputs: Dict[_BatchNorm, Tuple[torch.Tensor, ...]] = {}

    @property
    def num_layers(self) -> int:
        """Number of BatchNorm layers read."""
        return len(self._layers)

    def attach(self, model: nn.Module) -> int:
        """Find every BatchNorm layer (with running stats) of ``model``.

        Args:
            model (nn.Module): The teacher.

        Returns:
            int: Number of layers read.

        Raises:
            ValueError: If ``model`` has no BatchNorm layer with running
                statistics.
        """
        if self._layers:
            raise RuntimeError('BNStatisticsLoss is already attached; call '
                               'detach() first')
        bns = [
            m for m in model.modules()
            if isinstance(m, _BatchNorm) and m.running_mean is not None
        ]
        if not bns:
            raise ValueError(
                f'`model.generator_losses.{self.loss_name}` '
                f'({type(self).__name__}) reads the teacher\'s BatchNorm '
                f'statistics, but the teacher ({type(model).__name__}) has no '
                'BatchNorm layer with running statistics. Use a teacher with '
                f'BatchNorm, or set `model.generator_losses.{self.loss_name}'
                '.loss_weight=0` (DFAD).')
        self._layers = {
            bn: self.first_bn_multiplier if i == 0 else 1.0
            for i, bn in enumerate(bns)
        }
        return len(bns)

    def detach(self) -> None:
        """Forget the layers found by :meth:`attach`."""
        self._layers = {}
        self._inputs = {}

    @contextmanager
    def recording(self) -> Iterator['BNStatisticsLoss']:
        """Keep the input of every BN layer in the forwards run inside this
        block (the last one of each layer); :meth:`loss` then returns their
        loss. The layers carry a forward pre-hook only inside the block: a
        builtin that stores the input, so a teacher forward calls no Python
        code per layer."""
        inputs: Dict[_BatchNorm, Tuple[torch.Tensor, ...]] = {}
        store = partial(dict.__setitem__, inputs)
        handles: List[RemovableHandle] = [
            bn.register_forward_pre_hook(store) for bn in self._layers
        ]
        try:
            yield self
        finally:
            for handle in handles:
                handle.remove()
            self._inputs = inputs

    def loss(self, batch=None) -> torch.Tensor:
        """The unweighted loss of the last :meth:`recording` block (fp32
        scalar), over the layers in the order the forward ran them;
        ``batch`` is not read: the block saw the teacher's forward.

        Each recorded forward is consumed once.
        """
        if not self._inputs:
            raise RuntimeError(
                'BNStatisticsLoss: nothing was recorded; run the teacher '
                'inside `with loss.recording():` after `attach(teacher)`')
        inputs, self._inputs = self._inputs, {}
        distances = []
        for bn, args in inputs.items():
            mean, var = batch_mean_var(args[0], self.global_batch)
            distance = torch.linalg.vector_norm(
                mean - bn.running_mean.float()) + torch.linalg.vector_norm(
                    var - bn.running_var.float())
            weight = self._layers[bn]
            distances.append(distance * weight if weight != 1 else distance)
        stacked = torch.stack(distances)
        return stacked.sum() if self.layer_reduction == 'sum' \
            else stacked.mean()
