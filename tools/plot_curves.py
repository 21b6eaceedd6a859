# Copyright (c) mmddad contributors. All rights reserved.
"""Plot the training curves of a run from MMEngine's scalars log.

Panels: every logged loss (the student's ``loss_student``, each term of the
generator objective under its ``model.generator_losses`` name, weighted as
logged, and their sum ``loss_generator``) and every validation metric, all
against iterations. The teacher's score is drawn as a reference line on its
metric's panel: read from the ``distill_summary.json`` that
``tools/distill.py`` writes in the work dir, or given with
``--teacher-score``.

With ``--minutes``, one picture compares runs instead: the headline metric
of each against training minutes (validation excluded), one line a run, read
from a work dir's ``val_curve.json`` or from the curve file of
``tools/analysis/run_fast_datafree.py`` (the peer's own code), the teacher as
a reference line.

Example::

    python tools/plot_curves.py work_dirs/ddad_x --out curves.png
    python tools/plot_curves.py --minutes DDAD=work_dirs/ddad_s0 \\
        Fast-Datafree=data/fast_datafree_runs/fast2/curve.json \\
        --teacher-score 83.20 --out minutes.png
"""
import argparse
import io
import os.path as osp
from typing import Dict, List, Optional, Tuple

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402

from mmddad.engine.run_records import (SUMMARY_FILE,  # noqa: E402
                                       read_curve, read_scalars, read_summary,
                                       scalars_logs)
from mmddad.utils import (add_force_option, atomic_write,  # noqa: E402
                          check_new_file, check_not_input, read_json,
                          run_tool)

TITLES: Dict[str, str] = {
    'loss_student': 'student loss d(T, S)',
    'loss_generator': 'generator: weighted sum of its terms',
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('work_dir', nargs='?', help='work dir of a run')
    parser.add_argument(
        '--minutes',
        nargs='+',
        metavar='LABEL=PATH',
        help='compare runs against training minutes instead: a work dir '
        '(its val_curve.json) or a peer curve file per label')
    parser.add_argument(
        '--metric',
        default='accuracy/top1',
        help='with --minutes: the metric of the work dirs\' curves (default '
        'accuracy/top1; a peer curve file\'s is its `top1`)')
    parser.add_argument('--out', help='PNG path (default: WORK_DIR/curves.png)')
    add_force_option(parser, 'the --out file')
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
    dir's distillation summary; None if neither is known."""
    summary = read_summary(work_dir)
    metric = None
    if summary is not None:
        metric = summary['metric']
        if score is None:
            score = summary['teacher']
    if score is None:
        return None
    return metric, float(score)


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


def plot_minutes(args: argparse.Namespace) -> None:
    """One panel: the metric of every ``--minutes`` run against training
    minutes."""
    if args.work_dir is not None:
        raise ValueError('give either a work dir or --minutes, not both')
    if not args.out:
        raise ValueError('--minutes needs --out')
    runs = []
    for item in args.minutes:
        label, sep, path = item.partition('=')
        if not sep or not label or not path:
            raise ValueError(f'--minutes {item}: write LABEL=PATH')
        runs.append((label, minutes_curve(path, args.metric)))
    check_new_file(args.out, '--out', args.force)
    fig, ax = plt.subplots(figsize=(6.4, 4))
    for label, curve in runs:
        xs, ys = zip(*curve)
        ax.plot(xs, ys, marker='o', markersize=3, label=label)
    if args.teacher_score is not None:
        ax.axhline(args.teacher_score, color='black', linestyle='--',
                   label=f'teacher {args.teacher_score:.2f}')
    ax.set_xlabel('training minutes (validation excluded)')
    ax.set_ylabel(args.metric)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc='lower right')
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format='png', dpi=110)
    atomic_write(buffer.getvalue(), args.out)
    print(f'wrote {args.out}')


def main() -> None:
    args = parse_args()
    if args.minutes:
        plot_minutes(args)
        return
    if args.work_dir is None:
        raise ValueError('give the work dir of a run (or --minutes)')
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
    for source in [osp.join(args.work_dir, SUMMARY_FILE),
                   *scalars_logs(args.work_dir)]:
        check_not_input(out, '--out', {'a file it reads': source})
    check_new_file(out, '--out', args.force)
    buffer = io.BytesIO()
    fig.savefig(buffer, format='png', dpi=110)
    atomic_write(buffer.getvalue(), out)
    print(f'wrote {out}')


if __name__ == '__main__':
    run_tool(main)
