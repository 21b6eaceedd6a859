# Copyright (c) mmddad contributors. All rights reserved.
"""One optimizer wrapper per trainable submodule of the algorithm."""
from typing import Optional

import torch.nn as nn
from mmengine.model import is_model_wrapper
from mmengine.optim import (DefaultOptimWrapperConstructor, OptimWrapperDict)

from mmddad.registry import OPTIM_WRAPPER_CONSTRUCTORS


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class PerSubmoduleOptimWrapperConstructor:
    """Build an :class:`OptimWrapperDict` with one wrapper per named
    submodule, e.g. for DDAD::

        optim_wrapper = dict(
            constructor='PerSubmoduleOptimWrapperConstructor',
            student=dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9)),
            generator=dict(optimizer=dict(type='Adam', lr=1e-3)))

    Each value is an ordinary optim-wrapper config (``type`` defaults to
    ``OptimWrapper``; ``paramwise_cfg`` allowed) built by MMEngine's
    :class:`DefaultOptimWrapperConstructor` on ``model.<name>``. A value of
    None drops that entry (a child config removing an optimiser).

    Args:
        optim_wrapper_cfg (dict): ``{submodule name: optim wrapper config}``.
        paramwise_cfg (dict, optional): Must be None here; give it per
            submodule instead.
    """

    def __init__(self,
                 optim_wrapper_cfg: dict,
                 paramwise_cfg: Optional[dict] = None) -> None:
        if paramwise_cfg is not None:
            raise ValueError('`optim_wrapper.paramwise_cfg` must be given per '
                             'submodule (e.g. optim_wrapper.student.'
                             'paramwise_cfg) with this constructor')
        optim_wrapper_cfg = {
            k: v
            for k, v in optim_wrapper_cfg.items() if v is not None
        }
        if not optim_wrapper_cfg or not all(
                isinstance(v, dict) for v in optim_wrapper_cfg.values()):
            raise ValueError('`optim_wrapper` must map submodule names to '
                             'optim wrapper configs, got '
                             f'{optim_wrapper_cfg!r}')
        self.constructors = {}
        for name, cfg in optim_wrapper_cfg.items():
            cfg = dict(cfg)
            cfg.setdefault('type', 'OptimWrapper')
            sub_paramwise = cfg.pop('paramwise_cfg', None)
            self.constructors[name] = DefaultOptimWrapperConstructor(
                cfg, sub_paramwise)

    def __call__(self, model: nn.Module) -> OptimWrapperDict:
        """Build the wrappers for ``model``'s submodules."""
        if is_model_wrapper(model):
            model = model.module
        wrappers = {}
        for name, constructor in self.constructors.items():
            submodule = getattr(model, name, None)
            if not isinstance(submodule, nn.Module):
                raise KeyError(f'`optim_wrapper.{name}`: the model '
                               f'({type(model).__name__}) has no submodule '
                               f'named "{name}"')
            if not any(p.requires_grad for p in submodule.parameters()):
                raise ValueError(f'`optim_wrapper.{name}`: "{name}" has no '
                                 'trainable parameters; remove this entry')
            wrappers[name] = constructor(submodule)
        return OptimWrapperDict(**wrappers)
