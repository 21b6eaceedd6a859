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

from mmddad.apis import plot_curves, plot_minutes
from mmddad.apis.cli import add_force_option, run_tool


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


def main() -> None:
    args = parse_args()
    if args.minutes:
        if args.work_dir is not None:
            raise ValueError('give either a work dir or --minutes, not both')
        if not args.out:
            raise ValueError('--minutes needs --out')
        runs = []
        for item in args.minutes:
            label, sep, path = item.partition('=')
            if not sep or not label or not path:
                raise ValueError(f'--minutes {item}: write LABEL=PATH')
            runs.append((label, path))
        out = plot_minutes(runs, args.out, args.metric, args.teacher_score,
                           args.force)
    elif args.work_dir is None:
        raise ValueError('give the work dir of a run (or --minutes)')
    else:
        out = plot_curves(args.work_dir, args.out, args.teacher_score,
                          args.force)
    print(f'wrote {out}')


if __name__ == '__main__':
    run_tool(main)
