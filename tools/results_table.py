# Copyright (c) mmddad contributors. All rights reserved.
"""Measure an embedded task's results table: every method, several seeds.

The rows are the metafiles' entries whose ``Metadata`` names a ``Results
Table`` (their configs, labels, seeds and validation interval; see
:mod:`mmddad.apis.results`), and the supervised recipes of their teacher
and student. Each run is a subprocess, as a user would run it:
``tools/train.py`` for a supervised row (its final test score),
``tools/distill.py --train-teacher`` for a data-free one (its
``distill_summary.json``). Prints a Markdown table of mean +- std over the
seeds with each data-free row's time to quality: the training minutes
(validation excluded) until the student first reached ``--quality-ratio``
x its teacher (or ``--quality-score``). Results are kept in
``WORK_ROOT/results.json``: an interrupted table resumes where it stopped
(a run stopped midway continues from its newest checkpoint). Runs with
``--cfg-options`` are kept apart from those without.

Examples::

    python tools/results_table.py --seeds 0 1 2               # classification
    python tools/results_table.py --task mnist100 --seeds 0 1 2
    python tools/results_table.py --task segmentation --seeds 0 1 2
    python tools/results_table.py --task mnist100 --report-only --quality-score 94
    python tools/results_table.py --only ddad_resnet18 --cfg-options \
        model.replay.capacity=6400 model.replay.ratio=1.0
"""
import argparse

from mmddad.apis import load_results_tables, results_table
from mmddad.apis.cli import (non_negative_float, non_negative_int,
                             positive_int, run_tool)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--task', choices=sorted(load_results_tables()),
        default='classification')
    parser.add_argument(
        '--seeds', type=non_negative_int, nargs='+',
        help='the seeds of every row (default: each row\'s `Seeds` in its '
        'metafile, 0 1 2)')
    parser.add_argument(
        '--work-root',
        help='where runs and results.json go (default: '
        'work_dirs/results_table, work_dirs/results_table_segmentation)')
    parser.add_argument(
        '--only', nargs='+', help='run only the rows whose config has one '
        'of these substrings')
    parser.add_argument(
        '--quality-ratio', type=non_negative_float, default=0.97,
        help='time to quality: first validation with score >= this x the '
        'run\'s teacher (default 0.97)')
    parser.add_argument(
        '--quality-score', type=float,
        help='time to quality: an absolute score to reach instead')
    parser.add_argument(
        '--curve-at', type=positive_int, nargs='+', metavar='ITER',
        help='also print each data-free row\'s score at these iterations '
        '(validations of the same runs, mean +- std over the seeds)')
    parser.add_argument(
        '--cfg-options', nargs='+', default=[], metavar='KEY=VALUE',
        help='override settings of the data-free configs (not of the '
        'supervised recipes), as tools/distill.py --cfg-options; runs with '
        'other options are kept apart')
    parser.add_argument(
        '--report-only', action='store_true',
        help='print the table of the runs in results.json; run nothing')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    print(results_table(
        args.task, args.seeds, args.work_root, args.only, args.cfg_options,
        args.report_only, args.quality_ratio, args.quality_score,
        args.curve_at))


if __name__ == '__main__':
    run_tool(main)
