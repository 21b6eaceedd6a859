# Copyright (c) mmddad contributors. All rights reserved.
"""Training wall time (validation excluded) at every validation: the curve
that time-to-quality is read from."""
import json
import os.path as osp
import time
from typing import Dict, List, Optional

from mmengine.dist import master_only
from mmengine.hooks import Hook

from mmddad.registry import HOOKS
from mmddad.utils import atomic_write, read_json
from ..run_records import CURVE_FILE


@HOOKS.register_module()
class TrainingClockHook(Hook):
    """Clock the training iterations and record, at each validation, the
    iteration, the training seconds so far and the validation metrics.

    Validation and start-up are not counted; the training iterations are,
    with their hooks (logging, checkpoints, the synthetic-image grid). The
    curve is written to ``<work_dir>/val_curve.json`` after every
    validation, and the clock and curve are kept in checkpoints, so a
    resumed run continues them (in the same work dir, also the validation
    of the checkpoint's own iteration, which follows its saving); a run
    started with ``load_from`` starts a new clock.
    :func:`mmddad.engine.run_records.time_to_reach` reads it.
    """

    priority = 'VERY_LOW'

    def __init__(self) -> None:
        self.train_seconds = 0.0
        self.records: List[Dict[str, float]] = []
        self._start: Optional[float] = None

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch: Optional[dict] = None) -> None:
        self._start = time.perf_counter()

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        if self._start is not None:
            self.train_seconds += time.perf_counter() - self._start
            self._start = None

    def after_val_epoch(self, runner,
                        metrics: Optional[Dict[str, float]] = None) -> None:
        """Record the point and rewrite the curve file."""
        scalars = {
            k: float(v)
            for k, v in (metrics or {}).items() if _is_scalar(v)
        }
        self.records.append(
            dict(iter=runner.iter, train_seconds=round(self.train_seconds, 3),
                 **scalars))
        self._write(runner.work_dir)

    @master_only
    def _write(self, work_dir: str) -> None:
        atomic_write(json.dumps(self.records, indent=1),
                     osp.join(work_dir, CURVE_FILE))

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Keep the clock (with the iteration being saved, whose hooks are
        still running) and the curve in the checkpoint."""
        seconds = self.train_seconds
        if self._start is not None:
            seconds += time.perf_counter() - self._start
        checkpoint.setdefault('meta', {})['training_clock'] = dict(
            train_seconds=seconds, records=self.records)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Continue the clock and the curve of the checkpoint.

        A checkpoint is written before the validation of its own iteration,
        so that point comes from the curve file of the work dir, if it is
        there (points after the checkpoint's iteration are dropped).
        """
        meta = checkpoint.get('meta', {})
        state = meta.get('training_clock')
        if state is None or not getattr(runner, '_resume', False):
            return  # `load_from` (a warm start) starts a new clock
        self.train_seconds = float(state['train_seconds'])
        records = {r['iter']: r for r in state['records']}
        curve_file = osp.join(runner.work_dir, CURVE_FILE)
        if osp.isfile(curve_file):
            for record in read_json(curve_file, 'validation curve '):
                if record['iter'] <= meta.get('iter', -1):
                    records.setdefault(record['iter'], record)
        self.records = [records[i] for i in sorted(records)]


def _is_scalar(value) -> bool:
    """Whether a metric is one number (not a per-class list or tensor)."""
    try:
        float(value)
    except (TypeError, ValueError, RuntimeError):
        return False
    return True
