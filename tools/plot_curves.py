# Copyright (c) mmddad contributors. All rights reserved.
"""Plot the training curves of a run from MMEngine's scalars log.

Panels: every logged loss (the student's ``loss_student``, each term of the
generator objective under its ``model.generator_losses`` name, weighted as
logged, and their sum ``loss_generator``) and every validation metric, all
against iterations. The teacher's score is drawn as a reference line on its
metric's panel: read from the ``distill_summary.json`` that
``tools/distill.py`` writes in the work dir, or given with
``--teacher-score``.

Example::

    python tools/plot_curves.py work_dirs/ddad_x --out curves.png
"""
import argparse
import glob
import io
import os.path as osp
from typing import Dict, List, Optional, Tuple

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402

from mmddad.utils import (atomic_write, check_not_input,  # noqa: E402
                          read_json, read_json_lines, run_tool)

TITLES: Dict[str, str] = {
    'loss_student': 'student loss d(T, S)',
    'loss_generator': 'generator: weighted sum of its terms',
}
NOT_METRICS = {'step', 'iter', 'epoch', 'time', 'data_time', 'lr', 'memory'}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('work_dir', help='work dir of a run')
    parser.add_argument('--out', help='PNG path (default: WORK_DIR/curves.png)')
    parser.add_argument(
        '--teacher-score',
        type=float,
        help='the teacher\'s score on the headline metric (default: from '
        'WORK_DIR/distill_summary.json, if there)')
    return parser.parse_args()


def teacher_reference(work_dir: str,
                      score: Optional[float]) -> Optional[Tuple[str, float]]:
    """The headline metric's name and the teacher's score on it, from
    ``score`` (the metric is then the first logged one) or from the work
    dir's ``distill_summary.json``; None if neither is known."""
    summary = osp.join(work_dir, 'distill_summary.json')
    metric = None
    if osp.isfile(summary):
        record = read_json(summary)
        metric = record.get('metric')
        if score is None:
            score = record.get('teacher')
    if score is None:
        return None
    return metric, float(score)


def scalars_logs(work_dir: str) -> List[str]:
    """The MMEngine scalars logs of a work dir, oldest first."""
    return sorted(glob.glob(osp.join(work_dir, '*', 'vis_data',
                                     'scalars.json')))


def read_scalars(work_dir: str) -> Tuple[Dict[str, list], Dict[str, list]]:
    """Training and validation series ``{key: [(iter, value), ...]}`` from
    every ``*/vis_data/scalars.json`` of the work dir (resumed runs write a
    new one), in time order.

    A validation record is placed at the iteration of the training record
    logged before it (MMEngine validates right after that iteration), since
    its own ``step`` is the epoch when metrics are logged by epoch.
    """
    logs = scalars_logs(work_dir)
    if not logs:
        raise FileNotFoundError(f'no */vis_data/scalars.json in "{work_dir}"'
                                ': is it the work dir of an MMEngine run?')
    train: Dict[str, list] = {}
    val: Dict[str, list] = {}
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


def main() -> None:
    args = parse_args()
    train, val = read_scalars(args.work_dir)
    panels = [(k, TITLES.get(k, f'generator term {k} (weighted)'), v)
              for k, v in train.items() if k.startswith('loss')]
    panels += [(k, f'validation {k}', v) for k, v in val.items()]
    if not panels:
        raise ValueError(f'no losses or metrics logged in "{args.work_dir}"')
    reference = teacher_reference(args.work_dir, args.teacher_score)
    if reference is not None and reference[0] is None and val:
        reference = (next(iter(val)), reference[1])
    fig, axes = plt.subplots(1, len(panels), figsize=(4 * len(panels), 3.2))
    axes = axes if len(panels) > 1 else [axes]
    for ax, (key, title, series) in zip(axes, panels):
        xs, ys = zip(*series)
        ax.plot(xs, ys, marker='o' if len(xs) < 30 else None,
                label='student' if key in val else None)
        if reference is not None and key == reference[0] and key in val:
            ax.axhline(reference[1], color='tab:red', linestyle='--',
                       label=f'teacher {reference[1]:.2f}')
            ax.legend(fontsize=8, loc='lower right')
        ax.set_title(title, fontsize=9)
        ax.set_xlabel('iteration')
        ax.grid(alpha=0.3)
    fig.tight_layout()
    out = args.out or osp.join(args.work_dir, 'curves.png')
    for source in [osp.join(args.work_dir, 'distill_summary.json'),
                   *scalars_logs(args.work_dir)]:
        check_not_input(out, '--out', {'a file it reads': source})
    buffer = io.BytesIO()
    fig.savefig(buffer, format='png', dpi=110)
    atomic_write(buffer.getvalue(), out)
    print(f'wrote {out}')


if __name__ == '__main__':
    run_tool(main)
