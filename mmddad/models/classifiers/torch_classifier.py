# Copyright (c) mmddad contributors. All rights reserved.
"""Any PyTorch classifier as an MMPretrain classifier."""
from typing import List, Optional

import torch
import torch.nn as nn
from mmpretrain.models import BaseClassifier
from mmpretrain.models.heads import ClsHead

from mmddad.registry import MODELS
from mmddad.utils.callable_import import import_callable

#: The attribute that holds the user's network; it never shows in keys.
NETWORK = 'network'


@MODELS.register_module()
class TorchClassifier(BaseClassifier):
    """A plain ``nn.Module`` that maps normalised images to class logits,
    used wherever an MMPretrain classifier is: as teacher or student of
    every algorithm, in ``tools/train.py`` (with a dataset), ``tools/test.py``,
    ``tools/export_student.py`` and ``tools/deploy.py``.

    The network comes from the user's own code, ``factory(**factory_kwargs)``;
    the preprocessing its weights were trained with (mean, std, channel
    order) is this model's ``data_preprocessor``, an MMPretrain
    ``ClsDataPreprocessor``. Its state dict has the network's own keys (no
    prefix): a checkpoint of the user's code loads as it is (through
    ``checkpoint`` of the network spec, with ``checkpoint_key`` and
    ``checkpoint_prefix`` for nested or prefixed files), and an exported
    student loads into the user's class with ``load_state_dict``.

    Predictions and the training loss are MMPretrain's ``ClsHead`` ones
    (softmax scores, cross-entropy), on the network's logits.

    Args:
        factory (str): ``'path/to/file.py:resnet56'`` or
            ``'package.module:resnet56'``: a callable that returns the
            network (see :func:`mmddad.utils.callable_import.import_callable`).
        factory_kwargs (dict, optional): Keyword arguments of the factory.
        data_preprocessor (dict): ``mean`` and ``std`` (0-255 scale, in the
            order of the channels the network reads) and ``to_rgb`` (True
            when the network reads RGB: image files load as BGR), plus any
            other ``ClsDataPreprocessor`` argument. Required: a network
            without its preprocessing is another network.
        feature_layer (str, optional): Name of the submodule whose output
            are the features before the classifier (e.g. ``'layer3'``), for
            the terms that read them (DAFL's activation loss). Defaults to
            None: no features.
        init_cfg (dict, optional): Initialisation config; None keeps the
            factory's own initialisation.
    """

    def __init__(self,
                 factory: str,
                 factory_kwargs: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 feature_layer: Optional[str] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if not isinstance(data_preprocessor, dict):
            raise ValueError(
                '`data_preprocessor` of a TorchClassifier must be set: '
                'dict(mean=[...], std=[...], to_rgb=...) as the network was '
                f'trained (0-255 scale), got {data_preprocessor!r}')
        data_preprocessor = dict(data_preprocessor)
        data_preprocessor.setdefault('type', 'mmpretrain.ClsDataPreprocessor')
        super().__init__(init_cfg=init_cfg,
                         data_preprocessor=data_preprocessor)
        if factory_kwargs is not None and not isinstance(factory_kwargs, dict):
            raise TypeError('`factory_kwargs` must be a dict, got '
                            f'{factory_kwargs!r}')
        build = import_callable(factory, 'factory')
        try:
            network = build(**(factory_kwargs or {}))
        except TypeError as e:
            raise TypeError(f'`factory` "{factory}" with `factory_kwargs` '
                            f'{factory_kwargs or {}}: {e}') from e
        if not isinstance(network, nn.Module):
            raise TypeError(f'`factory` "{factory}" returned a '
                            f'{type(network).__name__}, not an nn.Module')
        self.add_module(NETWORK, network)
        self._feature_layer = feature_layer
        if feature_layer is not None:
            try:
                network.get_submodule(feature_layer)
            except AttributeError as e:
                raise ValueError(f'`feature_layer`: no submodule '
                                 f'"{feature_layer}" in the network') from e
        self.head = ClsHead(loss=dict(type='mmpretrain.CrossEntropyLoss'))
        self._register_state_dict_hook(_network_keys_out)
        self._register_load_state_dict_pre_hook(
            _network_keys_in, with_module=True)

    @property
    def backbone(self) -> Optional[nn.Module]:
        """The ``feature_layer`` submodule (read by the task adapter for the
        teacher's features), or None."""
        if self._feature_layer is None:
            return None
        return getattr(self, NETWORK).get_submodule(self._feature_layer)

    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[List] = None,
                mode: str = 'tensor'):
        """``'tensor'``: the logits (N, num_classes); ``'predict'``: data
        samples with scores and labels; ``'loss'``: the cross-entropy."""
        logits = self._logits(inputs)
        if mode == 'tensor':
            return logits
        if mode == 'predict':
            return self.head.predict((logits, ), data_samples)
        if mode == 'loss':
            return self.head.loss((logits, ), data_samples)
        raise RuntimeError(f'Invalid mode "{mode}".')

    def extract_feat(self, inputs: torch.Tensor) -> tuple:
        """The logits as a one-stage feature tuple (what the head reads)."""
        return (self._logits(inputs), )

    def _logits(self, inputs: torch.Tensor) -> torch.Tensor:
        out = getattr(self, NETWORK)(inputs)
        if not isinstance(out, torch.Tensor) or out.dim() != 2:
            what = type(out).__name__ if not isinstance(
                out, torch.Tensor) else f'a tensor of shape {tuple(out.shape)}'
            raise TypeError(
                f'the network of `factory` returned {what}; a classifier '
                'must return logits of shape (N, num_classes): wrap it in a '
                'factory that returns only the logits')
        return out


def _network_keys_out(module: TorchClassifier, state_dict: dict, prefix: str,
                      local_metadata: dict) -> None:
    """State-dict hook: ``network.conv1.weight`` -> ``conv1.weight``."""
    inner = f'{prefix}{NETWORK}.'
    for key in [k for k in state_dict if k.startswith(inner)]:
        state_dict[prefix + key[len(inner):]] = state_dict.pop(key)


def _network_keys_in(module: TorchClassifier, state_dict: dict, prefix: str,
                     *args) -> None:
    """Load pre-hook, the inverse of :func:`_network_keys_out`."""
    inner = f'{prefix}{NETWORK}.'
    for key in [
            k for k in state_dict
            if k.startswith(prefix) and not k.startswith(inner)
    ]:
        state_dict[inner + key[len(prefix):]] = state_dict.pop(key)
