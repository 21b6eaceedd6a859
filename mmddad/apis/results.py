# Copyright (c) mmddad contributors. All rights reserved.
"""The results tables of the embedded tasks (``tools/results_table.py``):
every method on several seeds, the experiment list read from the model
index.

A data-free entry of a ``configs/*/metafile.yml`` is a row of a table when
its ``Metadata`` names it::

    Results Table: mnist100          # the table (``--task``)
    Results Row: Student by DDAD (ours)
    Seeds: 0 1 2                     # the seeds the table runs
    Validation Interval: 50          # validations of its runs (time to quality)
    Teacher Row: Teacher ResNet-18 (1/4 width), real data   # optional: the
    Student Row: Student ResNet-18 (1/8 width), real data   # supervised rows

``Teacher Row`` / ``Student Row`` add the supervised recipes the entry's
``Metadata.Teacher`` / ``Student`` name (trained on real data) as rows
above the data-free ones. Rows follow ``model-index.yml``'s imports and
each metafile's order. Runs go through the tools as a user runs them (one
subprocess each: ``tools/train.py`` for supervised rows, ``tools/distill.py
--train-teacher`` for data-free ones) and are kept in
``WORK_ROOT/results.json``, keyed ``CONFIG@SEED [OPTIONS]``, so an
interrupted table resumes where it stopped.
"""
import hashlib
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
from typing import Any, Dict, List, Optional, Sequence

import yaml

from mmddad.engine.run_records import (SUMMARY_FILE, last_val_metric,
                                       read_summary, time_to_reach)
from mmddad.utils import atomic_write, read_json

#: The metric read from the logs per result task, and its column title.
TASK_METRICS = {
    'Image Classification': ('accuracy/top1', 'top-1 (%)'),
    'Semantic Segmentation': ('mIoU', 'mIoU (%)'),
}


def repository_root() -> str:
    """The folder of ``model-index.yml``, ``configs/`` and ``tools/``: the
    checkout, or the ``.mim`` folder of an installed package."""
    package = osp.dirname(osp.dirname(osp.abspath(__file__)))
    for root in (osp.dirname(package), osp.join(package, '.mim')):
        if osp.isfile(osp.join(root, 'model-index.yml')):
            return root
    raise FileNotFoundError(f'no model-index.yml beside "{package}" nor in '
                            'its .mim folder')


def load_results_tables(root: Optional[str] = None) -> Dict[str, dict]:
    """The results tables the metafiles define.

    Args:
        root (str, optional): The repository root (default:
            :func:`repository_root`).

    Returns:
        dict[str, dict]: Table name -> ``metric``, ``title`` and ``rows``
        (each ``label``, ``config``, ``supervised``, ``seeds``,
        ``val_interval``), supervised rows first.

    Raises:
        ValueError: A row's fields are malformed (the message names the
            metafile and the entry).
    """
    root = root or repository_root()
    with open(osp.join(root, 'model-index.yml')) as f:
        imports = yaml.safe_load(f)['Import']
    tables: Dict[str, dict] = {}
    for path in imports:
        with open(osp.join(root, path)) as f:
            models = yaml.safe_load(f).get('Models') or []
        for model in models:
            meta = model.get('Metadata') or {}
            if 'Results Table' not in meta:
                continue
            where = f'{path}, entry {model.get("Name")}'
            table = tables.setdefault(
                str(meta['Results Table']),
                dict(metric=None, title=None, supervised=[], rows=[]))
            for result in model.get('Results') or []:
                if table['metric'] is None and result.get(
                        'Task') in TASK_METRICS:
                    table['metric'], table['title'] = TASK_METRICS[
                        result['Task']]
            try:
                seeds = [int(s) for s in str(meta['Seeds']).split()]
                interval = int(meta['Validation Interval'])
                label = str(meta['Results Row'])
            except (KeyError, ValueError) as e:
                raise ValueError(
                    f'{where}: a results-table row needs `Results Row`, '
                    '`Seeds` (integers) and `Validation Interval` in its '
                    f'Metadata ({e})') from e
            for kind in ('Teacher', 'Student'):
                if f'{kind} Row' in meta and meta.get(kind) not in [
                        r['config'] for r in table['supervised']]:
                    table['supervised'].append(dict(
                        label=str(meta[f'{kind} Row']), config=meta[kind],
                        supervised=True, seeds=seeds, val_interval=interval))
            table['rows'].append(dict(label=label, config=model['Config'],
                                      supervised=False, seeds=seeds,
                                      val_interval=interval))
    for name, table in tables.items():
        if table['metric'] is None:
            raise ValueError(f'results table "{name}": no row has `Results` '
                             'of a task to read the metric of')
        table['rows'] = table.pop('supervised') + table['rows']
    return tables


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


def run_key(config: str, seed: int, options: Sequence[str]) -> str:
    """The results-file key of a run: config, seed and any options."""
    return ' '.join([f'{config}@{seed}', *options])


def results_table(task: str = 'classification',
                  seeds: Optional[Sequence[int]] = None,
                  work_root: Optional[str] = None,
                  only: Optional[Sequence[str]] = None,
                  cfg_options: Sequence[str] = (),
                  report_only: bool = False,
                  quality_ratio: float = 0.97,
                  quality_score: Optional[float] = None,
                  curve_at: Optional[Sequence[int]] = None,
                  root: Optional[str] = None) -> str:
    """Run the missing runs of a results table, then report it.

    Args:
        task (str): The table (a ``Results Table`` of the metafiles).
        seeds (Sequence[int], optional): The seeds of every row (default:
            each row's ``Seeds``).
        work_root (str, optional): Where runs and ``results.json`` go
            (default ``work_dirs/results_table``, or
            ``work_dirs/results_table_<task>``).
        only (Sequence[str], optional): Only the rows whose config contains
            one of these substrings.
        cfg_options (Sequence[str]): ``KEY=VALUE`` options of the data-free
            runs (not the supervised recipes'); kept apart from runs
            without them (their own work dirs and results entries).
        report_only (bool): Run nothing; report the recorded runs.
        quality_ratio (float): Time to quality: the first validation at
            this fraction of the run's teacher.
        quality_score (float, optional): An absolute score instead.
        curve_at (Sequence[int], optional): Also report each data-free
            row's score at these iterations.
        root (str, optional): The repository root (its metafiles and tools).

    Returns:
        str: The Markdown tables and a line on seeds, options and the
        results file.
    """
    root = root or repository_root()
    tables = load_results_tables(root)
    if task not in tables:
        raise ValueError(f'--task {task}: no results table of that name; '
                         f'the metafiles define {", ".join(sorted(tables))}')
    table = tables[task]
    # absolute: the runs start in the repository root, the store is read
    # here
    work_root = osp.abspath(work_root or osp.join(
        root, 'work_dirs', 'results_table' if task == 'classification' else
        f'results_table_{task}'))
    store = osp.join(work_root, 'results.json')
    results = check_results(read_json(store, 'results file '), store) \
        if osp.isfile(store) else {}
    rows = table['rows']
    if only:
        unmatched = [s for s in only
                     if not any(s in r['config'] for r in rows)]
        if unmatched:
            raise ValueError(
                f'--only {" ".join(unmatched)}: no config of the {task} '
                'table contains it; its configs are ' +
                ', '.join(osp.basename(r['config']) for r in rows))
        rows = [r for r in rows if any(s in r['config'] for s in only)]
    for row in rows:
        row['seeds'] = list(seeds or row['seeds'])
        row['options'] = [] if row['supervised'] else list(cfg_options)
    for row in [] if report_only else rows:
        for seed in row['seeds']:
            key = run_key(row['config'], seed, row['options'])
            if key in results:
                continue
            print(f'[results] {row["label"]}: seed {seed}', flush=True)
            results[key] = _measure(row, seed, work_root, table['metric'],
                                    root)
            os.makedirs(work_root, exist_ok=True)
            atomic_write(json.dumps(results, indent=2), store)
    lines = _score_table(rows, results, table, quality_ratio, quality_score)
    if curve_at:
        lines += _curve_table(rows, results, table['metric'], curve_at)
    used = sorted({tuple(r['seeds']) for r in rows})
    kept = f'results kept in {store}' if osp.isfile(store) else \
        f'no results recorded yet ({store} does not exist)'
    lines += ['', f'seeds: {list(used[0]) if len(used) == 1 else "per row"}; '
              f'data-free options: {" ".join(cfg_options) or "none"}; {kept}']
    return '\n'.join(lines)


def _measure(row: dict, seed: int, work_root: str, metric: str,
             root: str) -> Dict[str, Any]:
    """Run one seed of a row with its tool; what the results file keeps."""
    name = osp.splitext(osp.basename(row['config']))[0]
    if row['options']:  # a variant gets its own work dir
        digest = hashlib.sha1(' '.join(row['options']).encode()).hexdigest()
        name = f'{name}_{digest[:8]}'
    work_dir = osp.join(work_root, f'{name}_seed{seed}')
    log = osp.join(work_dir, 'run.log')
    # a run stopped midway (killed, machine lost) continues where it was
    resume = ['--resume'] if osp.isfile(
        osp.join(work_dir, 'last_checkpoint')) else []
    tools = osp.join(root, 'tools')
    if row['supervised']:
        _run([osp.join(tools, 'train.py'), row['config'], '--work-dir',
              work_dir, *resume, '--cfg-options', f'randomness.seed={seed}'],
             log, root)
        return dict(score=last_val_metric(work_dir, metric))
    _run([osp.join(tools, 'distill.py'), row['config'], '--work-dir',
          work_dir, '--seed', str(seed), '--train-teacher', *resume,
          '--cfg-options', f'train_cfg.val_interval={row["val_interval"]}',
          *row['options']], log, root)
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


def _run(cmd: List[str], log: str, root: str) -> None:
    """Run a tool in ``root``; its output is appended to ``log``."""
    os.makedirs(osp.dirname(log), exist_ok=True)
    with open(log, 'a') as f:
        proc = subprocess.run([sys.executable, *cmd], cwd=root, stdout=f,
                              stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        raise RuntimeError(f'{" ".join(cmd)} failed, see {log}')


def _runs(results: dict, row: dict) -> List[dict]:
    """The recorded runs of a row over its seeds."""
    keys = [run_key(row['config'], seed, row['options'])
            for seed in row['seeds']]
    return [results[key] for key in keys if key in results]


def _mean_std(values: List[float], digits: int = 2) -> str:
    if len(values) == 1:
        return f'{values[0]:.{digits}f}'
    return (f'{statistics.mean(values):.{digits}f} ± '
            f'{statistics.stdev(values):.{digits}f}')


def _score_table(rows: List[dict], results: dict, table: dict,
                 quality_ratio: float,
                 quality_score: Optional[float]) -> List[str]:
    """Per row: mean +- std of the final score over the seeds, the ratio to
    the teacher, and the training minutes until the quality threshold."""
    quality = (f'{quality_score:g}' if quality_score is not None else
               f'{quality_ratio:g} x teacher')
    lines = ['', f'| method | config | {table["title"]} | x teacher | '
             f'train min to {quality} |', '|---|---|---|---|---|']
    for row in rows:
        runs = _runs(results, row)
        if not runs:
            continue
        score = _mean_std([r['score'] for r in runs])
        if len(runs) < len(row['seeds']):  # an incomplete row says so
            score += f' ({len(runs)} of {len(row["seeds"])} seeds)'
        ratio = '' if row['supervised'] else _mean_std(
            [r['ratio'] for r in runs], 3)
        times = []
        for run in runs:  # None: no curve; inf: never reached
            if run.get('curve'):
                threshold = quality_score if quality_score is not None \
                    else quality_ratio * run['teacher']
                reached = time_to_reach(run['curve'], table['metric'],
                                        threshold)
                times.append(float('inf') if reached is None else
                             reached['train_seconds'] / 60)
        reached = [t for t in times if t != float('inf')]
        to_quality = _mean_std(reached, 1) if reached else ''
        if len(reached) < len(times):  # the mean is of the runs that got there
            missed = f'not reached in {len(times) - len(reached)} of ' \
                f'{len(times)}'
            to_quality = f'{to_quality} ({missed})' if reached else missed
        lines.append(f'| {row["label"]} | `{row["config"]}` | {score} | '
                     f'{ratio} | {to_quality} |')
    return lines


def _curve_table(rows: List[dict], results: dict, metric: str,
                 iterations: Sequence[int]) -> List[str]:
    """The data-free rows' scores at the given iterations (validations of
    the same runs, under their full schedule), mean +- std over the
    seeds."""
    lines = ['', '| method | ' + ' | '.join(f'iter {i}' for i in iterations)
             + ' |', '|---|' + '---|' * len(iterations)]
    for row in rows:
        runs = _runs(results, row)
        if row['supervised'] or not runs:
            continue
        cells = []
        for iteration in iterations:
            found = (next((r[metric] for r in run.get('curve') or []
                           if r['iter'] == iteration), None) for run in runs)
            values = [v for v in found if v is not None]
            cells.append(_mean_std(values) if values else '')
        lines.append(f'| {row["label"]} | ' + ' | '.join(cells) + ' |')
    return lines
