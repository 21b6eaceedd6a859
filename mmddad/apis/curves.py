# Copyright (c) mmddad contributors. All rights reserved.
"""The training curves of runs as pictures (``tools/plot_curves.py``):
read from what the runs left, drawn by :mod:`mmddad.visualization`."""
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple, Union

from mmddad.engine.run_records import (SUMMARY_FILE, read_curve,
                                       read_scalars, read_summary,
                                       scalars_logs)
from mmddad.utils import (atomic_write, check_new_file, check_not_input,
                          read_json)
from mmddad.visualization import draw_minutes_curves, draw_training_curves


def plot_curves(work_dir: str,
                out: Optional[str] = None,
                teacher_score: Optional[float] = None,
                force: bool = False) -> str:
    """Plot a run's curves from MMEngine's scalars log: every logged loss
    (the student's, each generator term as logged, their sum) and every
    validation metric against iterations, the teacher's score (from the
    work dir's ``distill_summary.json``, or ``teacher_score``) as a line on
    its metric's panel.

    Args:
        work_dir (str): The work dir of a run.
        out (str, optional): The PNG file (default: ``WORK_DIR/curves.png``);
            never one of the files read, replaced only with ``force``.
        teacher_score (float, optional): The teacher's score on the
            headline metric.
        force (bool): Replace ``out`` if it exists.

    Returns:
        str: The file written.
    """
    out = out or osp.join(work_dir, 'curves.png')
    for source in [osp.join(work_dir, SUMMARY_FILE), *scalars_logs(work_dir)]:
        check_not_input(out, '--out', {'a file it reads': source})
    check_new_file(out, '--out', force)
    train, val = read_scalars(work_dir)
    if not any(k.startswith('loss') for k in train) and not val:
        raise ValueError(f'no losses or metrics logged in "{work_dir}"')
    reference = teacher_reference(work_dir, teacher_score)
    if reference is not None and reference[0] is None and val:
        reference = (next(iter(val)), reference[1])  # the first metric
    atomic_write(draw_training_curves(train, val, reference), out)
    return out


def teacher_reference(work_dir: str, score: Optional[float]
                      ) -> Optional[Tuple[Optional[str], float]]:
    """The headline metric's name and the teacher's score on it, from
    ``score`` (the metric then unknown unless the summary names it) or from
    the work dir's distillation summary; None if neither is known."""
    summary = read_summary(work_dir)
    metric = None
    if summary is not None:
        metric = summary['metric']
        if score is None:
            score = summary['teacher']
    return None if score is None else (metric, float(score))


def plot_minutes(runs: Union[Dict[str, str], Sequence[Tuple[str, str]]],
                 out: str,
                 metric: str = 'accuracy/top1',
                 teacher_score: Optional[float] = None,
                 force: bool = False) -> str:
    """One picture comparing runs: the headline metric of each against
    training minutes (validation excluded), one line a run.

    Args:
        runs (dict | Sequence): Label -> a work dir (its
            ``val_curve.json``) or a peer curve file
            (``tools/analysis/run_fast_datafree.py``: its ``evaluations``'
            ``top1``), as a dict or ``(label, path)`` pairs.
        out (str): The PNG file; replaced only with ``force``.
        metric (str): The metric of the work dirs' curves.
        teacher_score (float, optional): Drawn as a reference line.
        force (bool): Replace ``out`` if it exists.

    Returns:
        str: The file written.
    """
    pairs = runs.items() if isinstance(runs, dict) else runs
    curves = [(label, minutes_curve(path, metric)) for label, path in pairs]
    check_new_file(out, '--out', force)
    atomic_write(draw_minutes_curves(curves, metric, teacher_score), out)
    return out


def minutes_curve(path: str, metric: str) -> List[Tuple[float, float]]:
    """(training minutes, score) of a run: a work dir's validation curve,
    or the ``evaluations`` of a peer curve file.

    Raises:
        ValueError: The path holds no curve; the message names it.
    """
    if osp.isdir(path):
        records = [(r['train_seconds'] / 60, r[metric])
                   for r in read_curve(path) if metric in r]
    else:
        records = [(r['train_seconds'] / 60, r['top1'])
                   for r in read_json(path, 'peer curve ').get(
                       'evaluations', [])]
    if not records:
        raise ValueError(f'--minutes: "{path}" holds no curve of {metric}')
    return records
