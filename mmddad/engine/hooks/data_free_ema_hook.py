# Copyright (c) mmddad contributors. All rights reserved.
"""MMEngine's EMAHook for algorithms whose submodules are DDP-wrapped one by
one and that hold large state no average needs (the replay)."""
from typing import Sequence

from mmengine.hooks import EMAHook
from mmengine.model import is_model_wrapper
from mmengine.runner.checkpoint import load_state_dict

from mmddad.registry import HOOKS


@HOOKS.register_module()
class DataFreeEMAHook(EMAHook):
    """:class:`mmengine.hooks.EMAHook` (validate, test and save an
    exponential moving average of the weights) that also resumes the average
    under :class:`~mmddad.models.DataFreeDistributedDataParallel`.

    There the student and the generator are each wrapped in a DDP, and so
    are they in the average's copy, while checkpoints hold their keys
    without the wrappers' ``module.`` (one layout whatever the number of
    processes). MMEngine's hook resumes the average with ``torch``'s
    ``load_state_dict``, which then finds none of those keys and, not
    strict, silently keeps the average it started with; this one loads it
    with MMEngine's loader, which unwraps DDP submodules as it does for the
    model itself.

    The average is a copy of the whole model, and MMEngine copies every
    buffer of the model into it after each iteration. The replay's buffers
    (a bank of every synthetic image: 2.2 GiB for the CIFAR-10 folder
    config) are not weights to average: the copy shares the modules named
    in ``shared_modules`` with the model instead of copying them, so they
    take memory once, cost no copy per iteration, and a checkpoint (which
    holds the model's and the average's state) stores them once.
    Everything else is MMEngine's hook, with its arguments (``momentum``,
    ``update_buffers``, ``begin_iter``, ...).

    Args:
        shared_modules (Sequence[str]): Submodules of the algorithm that
            the average shares with it (absent or None ones are skipped).
            Defaults to ``('replay',)``.
        **kwargs: :class:`mmengine.hooks.EMAHook`'s arguments.
    """

    def __init__(self,
                 shared_modules: Sequence[str] = ('replay', ),
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if isinstance(shared_modules, str) or not all(
                isinstance(name, str) for name in shared_modules):
            raise TypeError('`default_hooks.ema.shared_modules` must be a '
                            'list of submodule names, got '
                            f'{shared_modules!r}')
        self.shared_modules = tuple(shared_modules)

    def before_run(self, runner) -> None:
        """Build the average, sharing ``shared_modules`` with the model
        (left out of the copy, then set on both)."""
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        shared = {
            name: model._modules[name]
            for name in self.shared_modules
            if model._modules.get(name) is not None
        }
        for name in shared:
            model._modules[name] = None
        try:
            super().before_run(runner)
        finally:
            for name, module in shared.items():
                model._modules[name] = module
        for name, module in shared.items():
            self.ema_model.module._modules[name] = module

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Resume the average (and the trained weights the checkpoint keeps
        beside it), or start it from a loaded checkpoint's weights."""
        if 'ema_state_dict' in checkpoint and runner._resume:
            # the checkpoint's `state_dict` holds the average: swap back
            self._swap_ema_state_dict(checkpoint)
            load_state_dict(self.ema_model, checkpoint['ema_state_dict'],
                            strict=self.strict_load)
        else:
            super().after_load_checkpoint(runner, checkpoint)
