# Copyright (c) mmddad contributors. All rights reserved.
"""Stop a run at the first non-finite loss, before it is checkpointed."""
import math
import os.path as osp
from typing import Optional

from mmengine.hooks import Hook

from mmddad.registry import HOOKS


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Raise ``FloatingPointError`` naming the iteration and the loss as soon
    as a logged loss is NaN or infinite.

    It runs after each training iteration, before the checkpoint hook, so the
    broken weights are never saved: the last checkpoint stays the last good
    one, and ``--resume`` restarts from it. The check reads the values that
    the step returns for logging, after the step, not inside it.
    """

    priority = 'ABOVE_NORMAL'

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        """Check every value of ``outputs``."""
        for key, value in (outputs or {}).items():
            value = float(value)
            if not math.isfinite(value):
                raise FloatingPointError(
                    f'iteration {runner.iter + 1}: {key} is {value}. The run '
                    'was stopped before saving this iteration; '
                    f'{saved_checkpoint_note(runner.work_dir)}')


def saved_checkpoint_note(work_dir: str) -> str:
    """What a stopped run leaves to resume: the checkpoint MMEngine's
    ``last_checkpoint`` names, if it is there, or that there is none."""
    last = osp.join(work_dir, 'last_checkpoint')
    path = None
    if osp.isfile(last):
        with open(last) as f:
            path = f.read().strip()
    if path and osp.isfile(path):
        return (f'the last checkpoint, "{path}", is intact: resume it with '
                '--resume after lowering the loss weights, or start a new run '
                f'from it with --cfg-options load_from={path} and lower '
                'learning rates (a --resume keeps the optimiser\'s).')
    return ('no checkpoint was saved before it: start again after lowering '
            'the learning rates or the loss weights.')
