# Copyright (c) mmddad contributors. All rights reserved.
"""DDAD's two discriminators with Fast-Datafree's meta synthesis."""
import copy
from typing import Dict, Optional, Tuple

import torch
from mmengine.dist import all_reduce, get_world_size
from mmengine.optim import OptimWrapper, OptimWrapperDict

from mmddad.registry import MODELS
from mmddad.utils import check_number
from ..wrappers.unwrap import unwrap_model
from .base_distiller import GENERATOR
from .ddad import DDAD


@MODELS.register_module()
class FastMetaDDAD(DDAD):
    """Fast-Datafree's meta synthesis (Fang et al., "Up to 100x Faster
    Data-free Knowledge Distillation", AAAI 2022), judged by DDAD's
    generator terms: the student steps are DDAD's, the generator step is
    replaced.

    One synthesis (:meth:`train_generator`): copy the meta generator, then
    for ``synthesis_steps`` steps optimise the copy and a learnable latent
    batch (Adam, ``inner_lr`` and ``latent_lr``, betas (0.5, 0.999)) on the
    weighted ``generator_losses`` of the images (augmented before teacher
    and student when ``model.augment`` is set); the copy's gradients of
    every step are summed into the meta generator (first-order MAML), which
    the generator optimiser then steps once (Fast's meta learning rate is
    ``inner_lr * synthesis_steps``: set it in
    ``optim_wrapper.generator.optimizer.lr``); the copy's BN statistics are
    kept. The batch of the step with the lowest objective goes to the
    replay policy, from which the student steps draw: the pool of
    Fast-Datafree, with the teacher's logits cached (unless
    ``model.augment.relabel``).

    Args:
        synthesis_steps (int): Inner steps per synthesis (Fast-2, -5, -10).
            Defaults to 5.
        inner_lr (float): Adam lr of the generator copy. Defaults to 3e-3.
        latent_lr (float): Adam lr of the latent batch. Defaults to 0.01.
        random_targets (bool): Draw a class target per image for the terms
            that read ``batch.targets`` (``RandomTargetCrossEntropyLoss``).
            Defaults to False.
        **kwargs: The arguments of :class:`DDAD`; ``replay`` is required.
    """

    def __init__(self,
                 *args,
                 synthesis_steps: int = 5,
                 inner_lr: float = 3e-3,
                 latent_lr: float = 0.01,
                 random_targets: bool = False,
                 **kwargs) -> None:
        # checked before the networks are built (seconds), not in the
        # first iteration
        synthesis_steps = check_number(synthesis_steps,
                                       'model.synthesis_steps',
                                       integer=True, least=1)
        inner_lr = check_number(inner_lr, 'model.inner_lr', above=0)
        latent_lr = check_number(latent_lr, 'model.latent_lr', least=0)
        super().__init__(*args, **kwargs)
        if self.replay is None:
            raise ValueError(
                '`model.replay` is None: FastMetaDDAD trains the student on '
                'the pool of its syntheses; set `model.replay=dict('
                'capacity=N)`')
        self.synthesis_steps = synthesis_steps
        self.inner_lr = inner_lr
        self.latent_lr = latent_lr
        self.random_targets = random_targets
        self._num_classes = int(self.logits_shape[0])

    def describe(self) -> Dict[str, object]:
        """See :meth:`BaseDataFreeDistiller.describe`; plus the synthesis."""
        return dict(super().describe(), synthesis_steps=self.synthesis_steps,
                    inner_lr=self.inner_lr, latent_lr=self.latent_lr)

    def train_generator(self, data: dict, optim_wrapper: OptimWrapper
                        ) -> Dict[str, torch.Tensor]:
        """One meta synthesis: the inner loop of :meth:`optimize` steps
        without updates (their logs averaged), then one meta update; the
        best batch goes to the replay pool."""
        rng, num = data['rng'], data['batch_size']
        meta = unwrap_model(self.generator)
        fast = copy.deepcopy(meta)
        latents = self.sample_latents(num, rng).requires_grad_()
        targets: Optional[torch.Tensor] = None
        if self.random_targets:
            targets = torch.randint(
                self._num_classes, (num, ), generator=rng, device=rng.device)
        inner = torch.optim.Adam(
            [dict(params=fast.parameters()),
             dict(params=[latents], lr=self.latent_lr)],
            lr=self.inner_lr, betas=(0.5, 0.999))
        optim_wrapper.zero_grad()
        # the batch of the lowest objective, chosen on the device (no host
        # sync inside the synthesis)
        best: Optional[Tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = None
        logs: Dict[str, torch.Tensor] = {}
        for _ in range(self.synthesis_steps):
            # the base step's context, frozen student, parse_losses and
            # logs; the backward pass is this loop's
            batch, loss, step_logs = self.optimize(
                GENERATOR, optim_wrapper, self.generator_objective, latents,
                generator=fast, augment_rng=rng, targets=targets,
                update=False)
            inner.zero_grad()
            # through the wrapper: under AMP the loss is scaled, and the
            # meta gradients carry the scale its step() removes
            optim_wrapper.backward(loss)
            self._accumulate_meta_gradient(meta, fast)
            if self._unscale(inner, optim_wrapper):
                inner.step()
            value = loss.detach()
            images = batch.images.detach()
            logits = batch.teacher_logits.detach()
            if best is None:
                best = (value, images, logits)
            else:
                better = value < best[0]
                best = (torch.where(better, value, best[0]),
                        torch.where(better, images, best[1]),
                        torch.where(better, logits, best[2]))
            for key, term in step_logs.items():
                logs[key] = logs.get(key, 0) + term
        optim_wrapper.step()
        optim_wrapper.zero_grad()
        with torch.no_grad():  # the copy's BN statistics (for sampling)
            for kept, learned in zip(meta.buffers(), fast.buffers()):
                kept.copy_(learned)
        self.replay.after_generator_step(best[1], best[2])
        return {k: v / self.synthesis_steps for k, v in logs.items()}

    def check_optim_wrapper(self, optim_wrapper: OptimWrapperDict) -> None:
        """See :meth:`BaseDataFreeDistiller.check_optim_wrapper`; the meta
        generator steps once per synthesis, so it cannot accumulate
        gradients over several."""
        super().check_optim_wrapper(optim_wrapper)
        counts = getattr(optim_wrapper[GENERATOR], '_accumulative_counts', 1)
        if counts != 1:
            raise ValueError(
                '`optim_wrapper.generator.accumulative_counts` must be 1 for '
                f'{type(self).__name__} (got {counts}): its meta generator '
                'sums the gradients of `model.synthesis_steps` inner steps '
                'and steps once per synthesis')

    @staticmethod
    def _unscale(inner: torch.optim.Optimizer,
                 optim_wrapper: OptimWrapper) -> bool:
        """Divide the inner optimiser's gradients by the wrapper's loss
        scale (AMP with a GradScaler; nothing to do otherwise).

        Returns:
            bool: Whether the gradients are finite (an inner step with
            overflowed fp16 gradients is skipped, as the scaler skips the
            meta step).
        """
        scaler = getattr(optim_wrapper, 'loss_scaler', None)
        if scaler is None or not scaler.is_enabled():
            return True
        inv_scale = 1.0 / scaler.get_scale()
        grads = [p.grad for group in inner.param_groups
                 for p in group['params'] if p.grad is not None]
        for grad in grads:
            grad.mul_(inv_scale)
        # one host sync per inner step (not one per parameter)
        return bool(torch.stack([torch.isfinite(g).all() for g in grads]
                                ).all()) if grads else True

    @staticmethod
    def _accumulate_meta_gradient(meta: torch.nn.Module,
                                  fast: torch.nn.Module) -> None:
        """Add the copy's gradients to the meta generator's (first-order
        MAML), averaged over ranks under DDP."""
        world_size = get_world_size()
        for kept, learned in zip(meta.parameters(), fast.parameters()):
            if learned.grad is None:
                continue
            grad = learned.grad.detach().clone()
            if world_size > 1:
                all_reduce(grad, op='mean')
            kept.grad = grad if kept.grad is None else kept.grad + grad
