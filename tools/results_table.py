# Copyright (c) mmddad contributors. All rights reserved.
"""Measure an embedded task's results table: every method, several seeds.

Runs, one after the other (each a subprocess, as a user would):

- the supervised recipes (teacher; student architecture with real data),
  via ``tools/train.py``, reading their final test accuracy;
- each data-free config via ``tools/distill.py --train-teacher`` (which
  trains the teacher first if its checkpoint is missing), reading
  ``distill_summary.json``.

and prints a Markdown table of mean +- std over the seeds, with the time to
quality of each data-free row: the training minutes (validation excluded)
until the student first reached ``--quality-ratio`` x its teacher (or the
absolute ``--quality-score``), read from validations every
``val_interval`` iterations of the task. Total wall times are kept in the
results file only: they depend on what else shares the CPU. Results are
kept in ``WORK_ROOT/results.json`` so an interrupted run resumes where it
stopped: a finished run is not repeated, and a run that was stopped midway
continues from the newest checkpoint of its work dir (``--resume``).

Examples::

    python tools/results_table.py --seeds 0 1 2               # classification
    python tools/results_table.py --task mnist100 --seeds 0 1 2
    python tools/results_table.py --task segmentation --seeds 0 1 2
    python tools/results_table.py --task mnist100 --report-only --quality-score 94
    python tools/results_table.py --only ddad_resnet18 --cfg-options \
        model.replay.capacity=6400 model.replay.ratio=1.0

Runs with ``--cfg-options`` are kept apart from those without (their own
work dirs and results entries), so a variant and the shipped config can be
measured side by side in one results file.
"""
import argparse
import hashlib
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
from typing import Any, Dict, List, Optional

from mmddad.engine.run_records import (SUMMARY_FILE, last_val_metric,
                                       read_summary, time_to_reach)
from mmddad.utils import (atomic_write, non_negative_float, non_negative_int,
                          positive_int, read_json, run_tool)

TOOLS = osp.dirname(osp.abspath(__file__))
ROOT = osp.dirname(TOOLS)

#: Per task: the metric read from the logs, its column title, the validation
#: interval of the data-free runs (the time-to-quality resolution), the
#: supervised recipes (label, config) and the data-free configs (label,
#: config).
TABLES: Dict[str, dict] = dict(
    classification=dict(
        metric='accuracy/top1',
        title='top-1 (%)',
        val_interval=20,
        supervised=[
            ('Teacher ResNet-18 (1/4 width), real data',
             'configs/teachers/resnet18-w16_mnist5k.py'),
            ('Student ResNet-18 (1/8 width), real data',
             'configs/teachers/resnet18-w8_mnist5k.py'),
        ],
        data_free=[
            ('Student by DDAD (ours)',
             'configs/ddad/ddad_resnet18-w16_resnet18-w8_mnist5k.py'),
            ('Student by DFAD (no BN term)',
             'configs/dfad/dfad_resnet18-w16_resnet18-w8_mnist5k.py'),
            ('Student by DeepInversion-style (no adversarial term)',
             'configs/deepinv/deepinv_resnet18-w16_resnet18-w8_mnist5k.py'),
            ('Student by KD on Gaussian noise (floor)',
             'configs/noise_kd/noise-kd_resnet18-w16_resnet18-w8_mnist5k.py'),
        ]),
    mnist100=dict(
        metric='accuracy/top1',
        title='top-1 (%)',
        val_interval=50,
        supervised=[
            ('Teacher ResNet-18 (1/4 width), real data',
             'configs/teachers/resnet18-w16_mnist100.py'),
            ('Student ResNet-18 (1/8 width), real data',
             'configs/teachers/resnet18-w8_mnist100.py'),
        ],
        data_free=[
            ('Student by DDAD (ours)',
             'configs/ddad/ddad_resnet18-w16_resnet18-w8_mnist100.py'),
            ('Student by DFAD (no BN term)',
             'configs/dfad/dfad_resnet18-w16_resnet18-w8_mnist100.py'),
            ('Student by DeepInversion-style (no adversarial term)',
             'configs/deepinv/deepinv_resnet18-w16_resnet18-w8_mnist100.py'),
            ('Student by DAFL-like (one-hot, activation, entropy)',
             'configs/dafl/dafl_resnet18-w16_resnet18-w8_mnist100.py'),
            ('Student by KD on Gaussian noise (floor)',
             'configs/noise_kd/noise-kd_resnet18-w16_resnet18-w8_mnist100.py'),
            ('Student by DDAD + augmentation (crop)',
             'configs/ddad/ddad_resnet18-w16_resnet18-w8_mnist100_aug.py'),
            ('Student by Fast-DDAD (meta synthesis, DDAD terms)',
             'configs/fast_meta/'
             'fast-ddad_resnet18-w16_resnet18-w8_mnist100.py'),
            ('Student by Fast (as published)',
             'configs/fast_meta/fast_resnet18-w16_resnet18-w8_mnist100.py'),
        ]),
    segmentation=dict(
        metric='mIoU',
        title='mIoU (%)',
        val_interval=100,
        supervised=[
            ('Teacher DeepLabV3-R18 (1/4 width), real data',
             'configs/teachers/deeplabv3_r18-w16_mnist-canvas.py'),
            ('Student DeepLabV3-R18 (1/8 width), real data',
             'configs/teachers/deeplabv3_r18-w8_mnist-canvas.py'),
        ],
        data_free=[
            ('Student by DDAD (ours)',
             'configs/ddad/ddad_deeplabv3-r18-w16_r18-w8_mnist-canvas.py'),
            ('Student by DFAD (no BN term)',
             'configs/dfad/dfad_deeplabv3-r18-w16_r18-w8_mnist-canvas.py'),
            ('Student by DDAD + augmentation (crop, flip)',
             'configs/ddad/ddad_deeplabv3-r18-w16_r18-w8_mnist-canvas_aug.py'),
            ('Student by Fast-DDAD (meta synthesis, DDAD terms)',
             'configs/fast_meta/'
             'fast-ddad_deeplabv3-r18-w16_r18-w8_mnist-canvas.py'),
        ]),
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--task', choices=sorted(TABLES), default='classification')
    parser.add_argument(
        '--seeds', type=non_negative_int, nargs='+', default=[0, 1, 2])
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


def run(cmd: List[str], log: str) -> None:
    """Run a tool; its output is appended to ``log``."""
    os.makedirs(osp.dirname(log), exist_ok=True)
    with open(log, 'a') as f:
        proc = subprocess.run([sys.executable, *cmd], cwd=ROOT, stdout=f,
                              stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        raise RuntimeError(f'{" ".join(cmd)} failed, see {log}')


def check_results(results: Any, store: str) -> dict:
    """The recorded runs of ``results.json``, each checked: a malformed
    entry (hand-edited, or from another tool) is an error naming it."""
    if not isinstance(results, dict):
        raise ValueError(f'results file "{store}" must hold a JSON object of '
                         f'runs, got {type(results).__name__}')
    for key, entry in results.items():
        where = f'results file "{store}", entry "{key}"'
        if not isinstance(entry, dict):
            raise ValueError(f'{where}: must be an object, got {entry!r}')
        for name in ('score', 'ratio', 'teacher', 'minutes'):
            if name in entry or name == 'score':
                value = entry.get(name)
                if not isinstance(value, (int, float)) or isinstance(
                        value, bool):
                    raise ValueError(f'{where}: `{name}` must be a number, '
                                     f'got {value!r}')
        curve = entry.get('curve', [])
        if not isinstance(curve, list) or not all(
                isinstance(r, dict) and 'iter' in r and 'train_seconds' in r
                for r in curve):
            raise ValueError(f'{where}: `curve` must be a list of records '
                             'with `iter` and `train_seconds`')
    return results


def run_key(config: str, seed: int, options: List[str]) -> str:
    """The results-file key of a run: config, seed and any options."""
    return ' '.join([f'{config}@{seed}', *options])


def measure(config: str, seed: int, work_root: str, supervised: bool,
            metric: str, val_interval: int,
            options: List[str]) -> Dict[str, float]:
    name = osp.splitext(osp.basename(config))[0]
    if options:  # a variant gets its own work dir
        digest = hashlib.sha1(' '.join(options).encode()).hexdigest()[:8]
        name = f'{name}_{digest}'
    work_dir = osp.join(work_root, f'{name}_seed{seed}')
    log = osp.join(work_dir, 'run.log')
    # a run stopped midway (killed, machine lost) continues where it was
    resume = ['--resume'] if osp.isfile(
        osp.join(work_dir, 'last_checkpoint')) else []
    if supervised:
        run([
            osp.join(TOOLS, 'train.py'), config, '--work-dir', work_dir,
            *resume, '--cfg-options', f'randomness.seed={seed}'
        ], log)
        return dict(score=last_val_metric(work_dir, metric))
    run([
        osp.join(TOOLS, 'distill.py'), config, '--work-dir', work_dir,
        '--seed', str(seed), '--train-teacher', *resume, '--cfg-options',
        f'train_cfg.val_interval={val_interval}', *options
    ], log)
    summary = read_summary(work_dir)
    if summary is None:
        raise FileNotFoundError(f'{osp.join(work_dir, SUMMARY_FILE)} is '
                                f'missing after a finished run, see {log}')
    return dict(score=summary['student'], ratio=summary['ratio'],
                teacher=summary['teacher'],
                minutes=summary['distill_seconds'] / 60,
                curve=[dict(iter=r['iter'], train_seconds=r['train_seconds'],
                            **{metric: r[metric]})
                       for r in summary.get('val_curve', []) if metric in r])


def row_options(supervised: bool, args: argparse.Namespace) -> List[str]:
    """The ``--cfg-options`` of a row's runs: data-free rows only."""
    return [] if supervised else args.cfg_options


def row_runs(results: dict, config: str, supervised: bool,
             args: argparse.Namespace) -> List[dict]:
    """The recorded runs of a table row over ``--seeds`` (data-free rows:
    those with the ``--cfg-options`` given)."""
    options = row_options(supervised, args)
    keys = [run_key(config, seed, options) for seed in args.seeds]
    return [results[key] for key in keys if key in results]


def minutes_to_quality(run_: dict, metric: str, args: argparse.Namespace
                       ) -> Optional[float]:
    """Training minutes until the run first reached the quality threshold:
    None if the run has no curve, ``inf`` if its curve never reached it."""
    curve = run_.get('curve')
    if not curve:
        return None
    threshold = args.quality_score
    if threshold is None:
        threshold = args.quality_ratio * run_['teacher']
    reached = time_to_reach(curve, metric, threshold)
    return float('inf') if reached is None else reached['train_seconds'] / 60


def score_at(run_: dict, metric: str, iteration: int) -> Optional[float]:
    """The run's validation score at ``iteration``, None if not validated
    there."""
    for record in run_.get('curve') or []:
        if record['iter'] == iteration:
            return record[metric]
    return None


def mean_std(values: List[float], digits: int = 2) -> str:
    if len(values) == 1:
        return f'{values[0]:.{digits}f}'
    return (f'{statistics.mean(values):.{digits}f} ± '
            f'{statistics.stdev(values):.{digits}f}')


def main() -> None:
    args = parse_args()
    table = TABLES[args.task]
    work_root = args.work_root or ('work_dirs/results_table' if args.task ==
                                   'classification' else
                                   f'work_dirs/results_table_{args.task}')
    store = osp.join(work_root, 'results.json')
    results = check_results(read_json(store, 'results file '), store) \
        if osp.isfile(store) else {}
    rows = [(label, cfg, True) for label, cfg in table['supervised']] + \
        [(label, cfg, False) for label, cfg in table['data_free']]
    if args.only:
        unmatched = [s for s in args.only if not any(s in r[1] for r in rows)]
        if unmatched:
            raise ValueError(
                f'--only {" ".join(unmatched)}: no config of the '
                f'{args.task} table contains it; its configs are '
                + ', '.join(osp.basename(r[1]) for r in rows))
        rows = [r for r in rows if any(s in r[1] for s in args.only)]
    for label, config, supervised in rows:
        options = row_options(supervised, args)
        for seed in args.seeds:
            key = run_key(config, seed, options)
            if key in results or args.report_only:
                continue
            print(f'[results] {label}: seed {seed}', flush=True)
            results[key] = measure(config, seed, work_root, supervised,
                                   table['metric'], table['val_interval'],
                                   options)
            os.makedirs(work_root, exist_ok=True)
            atomic_write(json.dumps(results, indent=2), store)

    quality = (f'{args.quality_score:g}' if args.quality_score is not None
               else f'{args.quality_ratio:g} x teacher')
    print(f'\n| method | config | {table["title"]} | x teacher | '
          f'train min to {quality} |')
    print('|---|---|---|---|---|')
    for label, config, supervised in rows:
        runs = row_runs(results, config, supervised, args)
        if not runs:
            continue
        score = mean_std([r['score'] for r in runs])
        if len(runs) < len(args.seeds):  # an incomplete row says so
            score += f' ({len(runs)} of {len(args.seeds)} seeds)'
        ratio = '' if supervised else mean_std([r['ratio'] for r in runs], 3)
        times = [minutes_to_quality(r, table['metric'], args) for r in runs]
        timed = [t for t in times if t is not None]
        reached = [t for t in timed if t != float('inf')]
        to_quality = mean_std(reached, 1) if reached else ''
        if len(reached) < len(timed):  # the mean is of the runs that got there
            missed = f'not reached in {len(timed) - len(reached)} of ' \
                f'{len(timed)}'
            to_quality = f'{to_quality} ({missed})' if reached else missed
        print(f'| {label} | `{config}` | {score} | {ratio} | {to_quality} |')
    if args.curve_at:
        print_curves(rows, results, args, table['metric'])
    options = ' '.join(args.cfg_options) or 'none'
    kept = f'results kept in {store}' if osp.isfile(store) else \
        f'no results recorded yet ({store} does not exist)'
    print(f'\nseeds: {args.seeds}; data-free options: {options}; {kept}')


def print_curves(rows: List[tuple], results: dict,
                 args: argparse.Namespace, metric: str) -> None:
    """A Markdown table of the data-free rows' scores at ``--curve-at``
    iterations: how the methods compare along the way, not only at the
    end (intermediate points of the same runs, under their full schedule).
    """
    print('\n| method | ' + ' | '.join(f'iter {i}' for i in args.curve_at) +
          ' |')
    print('|---|' + '---|' * len(args.curve_at))
    for label, config, supervised in rows:
        runs = row_runs(results, config, supervised, args)
        if supervised or not runs:
            continue
        cells = []
        for iteration in args.curve_at:
            values = [score_at(r, metric, iteration) for r in runs]
            values = [v for v in values if v is not None]
            cells.append(mean_std(values) if values else '')
        print(f'| {label} | ' + ' | '.join(cells) + ' |')


if __name__ == '__main__':
    run_tool(main)
