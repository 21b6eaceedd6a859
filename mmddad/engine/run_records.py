# Copyright (c) mmddad contributors. All rights reserved.
"""What a run leaves in its work dir, written and read in one place.

- the validation curve, ``val_curve.json``: the iteration, the training
  seconds (validation excluded) and the metrics at every validation, written
  by :class:`~mmddad.engine.hooks.TrainingClockHook`;
- the distillation summary, ``distill_summary.json``: teacher and student
  scores, times and the curve, written by ``tools/distill.py`` and read by
  ``tools/results_table.py`` and ``tools/plot_curves.py``;
- MMEngine's scalars logs, ``<timestamp>/vis_data/scalars.json``: one per
  start of the run (a resumed run writes a new one), read together.
"""
import glob
import json
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

from mmddad.utils import atomic_write, read_json, read_json_lines

#: The validation curve, in the work dir.
CURVE_FILE = 'val_curve.json'
#: The distillation summary, in the work dir.
SUMMARY_FILE = 'distill_summary.json'
#: The keys every summary has.
SUMMARY_KEYS = ('config', 'seed', 'metric', 'teacher', 'student', 'ratio',
                'distill_seconds', 'teacher_train_seconds', 'total_seconds',
                'val_curve', 'time_to_quality')
#: Keys of a scalars record that are not a loss or a metric.
NOT_METRICS = frozenset(
    {'step', 'iter', 'epoch', 'time', 'data_time', 'lr', 'memory'})

Series = Dict[str, List[Tuple[int, float]]]


def time_to_reach(records: Sequence[Dict[str, float]], metric: str,
                  threshold: float) -> Optional[Dict[str, float]]:
    """The first validation at which ``metric`` reached ``threshold``.

    Args:
        records (Sequence[dict]): A validation curve.
        metric (str): E.g. ``'accuracy/top1'``.
        threshold (float): The value to reach (``>=``).

    Returns:
        dict | None: ``iter`` and ``train_seconds`` of that validation, or
        None if it was never reached.
    """
    for record in records:
        if record.get(metric, float('-inf')) >= threshold:
            return dict(iter=record['iter'],
                        train_seconds=record['train_seconds'])
    return None


def read_curve(work_dir: str) -> List[Dict[str, float]]:
    """The validation curve of a work dir; empty if it has none."""
    path = osp.join(work_dir, CURVE_FILE)
    return read_json(path, 'validation curve ') if osp.isfile(path) else []


def make_summary(config: str, seed: int, metric: str, teacher: float,
                 student: float, distill_seconds: float,
                 teacher_train_seconds: Optional[float],
                 total_seconds: float, curve: List[Dict[str, float]],
                 quality_ratio: float) -> dict:
    """The distillation summary of a run.

    Args:
        config (str): The config file.
        seed (int): The run's seed.
        metric (str): The headline metric of both scores.
        teacher (float): The teacher's score on the test split.
        student (float): The student's score on the test split.
        distill_seconds (float): Wall time of the distillation (of a resumed
            run: since it resumed).
        teacher_train_seconds (float, optional): Wall time spent training
            the teacher first; None if it existed.
        total_seconds (float): Wall time of the whole tool.
        curve (list[dict]): The validation curve.
        quality_ratio (float): The fraction of the teacher's score whose
            first crossing is reported as ``time_to_quality``.

    Returns:
        dict: With the keys of :data:`SUMMARY_KEYS`.
    """
    threshold = quality_ratio * teacher
    reached = time_to_reach(curve, metric, threshold)
    return dict(
        config=config,
        seed=seed,
        metric=metric,
        teacher=teacher,
        student=student,
        ratio=student / teacher if teacher else None,
        distill_seconds=round(distill_seconds, 1),
        teacher_train_seconds=None if teacher_train_seconds is None else
        round(teacher_train_seconds, 1),
        total_seconds=round(total_seconds, 1),
        val_curve=curve,
        time_to_quality=dict(
            ratio=quality_ratio, threshold=threshold, **(reached or {})))


def write_summary(work_dir: str, summary: dict) -> str:
    """Write a summary (under a temporary name, then renamed).

    Returns:
        str: The file written.
    """
    path = osp.join(work_dir, SUMMARY_FILE)
    atomic_write(json.dumps(summary, indent=2), path)
    return path


def read_summary(work_dir: str) -> Optional[dict]:
    """The summary of a work dir, None if it has none.

    Raises:
        ValueError: The file is not a summary (not JSON, or keys missing);
            the message names the file.
    """
    path = osp.join(work_dir, SUMMARY_FILE)
    if not osp.isfile(path):
        return None
    summary = read_json(path, 'distillation summary ')
    missing = [k for k in SUMMARY_KEYS
               if not isinstance(summary, dict) or k not in summary]
    if missing:
        raise ValueError(f'distillation summary "{path}" lacks {missing}: '
                         'was it written by tools/distill.py?')
    return summary


def scalars_logs(work_dir: str) -> List[str]:
    """The MMEngine scalars logs of a work dir, oldest first."""
    return sorted(glob.glob(osp.join(work_dir, '*', 'vis_data',
                                     'scalars.json')))


def read_scalars(work_dir: str) -> Tuple[Series, Series]:
    """Training and validation series ``{key: [(iter, value), ...]}`` from
    every scalars log of the work dir, in time order.

    A validation record is placed at the iteration of the training record
    logged before it (MMEngine validates right after that iteration), since
    its own ``step`` is the epoch when metrics are logged by epoch.

    Raises:
        FileNotFoundError: The work dir has no scalars log.
    """
    logs = scalars_logs(work_dir)
    if not logs:
        raise FileNotFoundError(f'no */vis_data/scalars.json in "{work_dir}"'
                                ': is it the work dir of an MMEngine run?')
    train: Series = {}
    val: Series = {}
    last_train_step = None
    for log in logs:
        for record in read_json_lines(log):
            is_train = 'iter' in record or any(
                k.startswith('loss') for k in record)
            step = record.get('step')
            if is_train:
                last_train_step = step
            elif last_train_step is not None:
                step = last_train_step
            for key, value in record.items():
                if key in NOT_METRICS or key.endswith('lr') or \
                        not isinstance(value, (int, float)):
                    continue
                target = train if is_train else val
                target.setdefault(key, []).append((step, value))
    return train, val


def last_val_metric(work_dir: str, metric: str) -> float:
    """The last validation value of ``metric`` over all scalars logs of a
    work dir (a resumed run's last log may hold no validation).

    Raises:
        FileNotFoundError: No scalars log.
        KeyError: No log records ``metric``.
    """
    _, val = read_scalars(work_dir)
    if metric not in val:
        raise KeyError(f'no validation of {metric!r} in the scalars logs of '
                       f'"{work_dir}" (logged: {sorted(val)})')
    return val[metric][-1][1]
