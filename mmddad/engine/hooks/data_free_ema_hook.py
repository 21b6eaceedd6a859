# Copyright (c) mmddad contributors. All rights reserved.
"""MMEngine's EMAHook for algorithms whose submodules are DDP-wrapped one by
one."""
from mmengine.hooks import EMAHook
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
    model itself. Everything else is MMEngine's hook, with its arguments
    (``momentum``, ``update_buffers``, ``begin_iter``, ...).
    """

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
