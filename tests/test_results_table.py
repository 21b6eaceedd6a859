# Copyright (c) mmddad contributors. All rights reserved.
"""The results table (``tools/results_table.py`` and its API call): rows
from the metafiles, scores, times to quality and curves over the seeds of a
results file; a malformed or corrupt file and an unknown row named."""
import json
import os.path as osp

import pytest

from .conftest import EMBEDDED_DDAD, REPO_ROOT, TOOLS, run_tool


def test_results_table_reports_scores_times_and_curves(tmp_path):
    """The table of a results file (no run): mean +- std over the seeds, the
    time to quality of each data-free row, its score along the runs."""
    ddad = 'configs/ddad/ddad_resnet18-w16_resnet18-w8_mnist100.py'

    def run_(final, curve):
        return dict(score=final, ratio=final / 96.0, teacher=96.0, minutes=1,
                    curve=[dict(iter=i, train_seconds=60.0 * i / 100,
                                **{'accuracy/top1': s}) for i, s in curve])

    results = {
        f'{ddad}@0': run_(90.0, [(100, 50.0), (200, 80.0), (300, 90.0)]),
        f'{ddad}@1': run_(92.0, [(100, 60.0), (200, 90.0), (300, 92.0)]),
        # a variant (--cfg-options) is kept apart from the shipped config
        f'{ddad}@0 model.replay=None': run_(50.0, [(100, 20.0)]),
    }
    with open(tmp_path / 'results.json', 'w') as f:
        json.dump(results, f)
    proc = run_tool(
        osp.join(TOOLS, 'results_table.py'), '--task', 'mnist100', '--seeds',
        '0', '1', '--work-root', str(tmp_path), '--report-only',
        '--quality-score', '85', '--curve-at', '100', '200')
    lines = [line for line in proc.stdout.splitlines() if 'DDAD' in line]
    # final 91 +- 1.41; 85 first reached at iteration 300 and 200 (3 and 2
    # training min); at iterations 100 and 200: 55 +- 7.07, 85 +- 7.07
    assert lines[0].endswith('| 91.00 ± 1.41 | 0.948 ± 0.015 | 2.5 ± 0.7 |')
    assert lines[1] == '| Student by DDAD (ours) | 55.00 ± 7.07 | 85.00 ± 7.07 |'
    from mmddad.apis import results_table  # the tool's call
    report = results_table('mnist100', [0, 1], str(tmp_path),
                           cfg_options=['model.replay=None'],
                           report_only=True, quality_score=85)
    lines = [line for line in report.splitlines() if 'DDAD' in line]
    assert '| 50.00 (1 of 2 seeds) | 0.521 | not reached in 1 of 1 |' in \
        lines[0]
    assert 'data-free options: model.replay=None' in report
    # without --seeds: each row's seeds in its metafile (0 1 2)
    report = results_table('mnist100', work_root=str(tmp_path),
                           report_only=True)
    assert '| 91.00 ± 1.41 (2 of 3 seeds) |' in report
    assert 'seeds: [0, 1, 2]' in report


def test_results_tables_come_from_the_metafiles():
    from mmddad.apis import load_results_tables
    tables = load_results_tables()
    assert sorted(tables) == ['classification', 'mnist100', 'segmentation']
    rows = tables['classification']['rows']
    assert [(r['label'], r['supervised']) for r in rows[:3]] == [
        ('Teacher ResNet-18 (1/4 width), real data', True),
        ('Student ResNet-18 (1/8 width), real data', True),
        ('Student by DDAD (ours)', False)]
    assert rows[0]['config'] == 'configs/teachers/resnet18-w16_mnist5k.py'
    assert rows[2]['config'] == EMBEDDED_DDAD[len(REPO_ROOT) + 1:]
    assert {r['val_interval'] for r in rows} == {20}
    assert all(r['seeds'] == [0, 1, 2] for t in tables.values()
               for r in t['rows'])
    assert tables['segmentation']['metric'] == 'mIoU'
    assert len(tables['mnist100']['rows']) == 10


def test_results_table_names_a_malformed_entry(tmp_path):
    from mmddad.apis import results_table
    store = tmp_path / 'results.json'
    store.write_text('{"configs/x.py@0": {"score": "high"}}')
    with pytest.raises(ValueError, match='entry "configs/x.py@0": `score` '
                       'must be a number'):
        results_table(work_root=str(tmp_path), report_only=True)


def test_a_corrupt_results_file_and_an_unknown_row_are_named(tmp_path):
    from mmddad.apis import results_table  # tools/results_table.py's call
    root = tmp_path / 'results'
    # a row filter that matches nothing: an error, nothing written
    with pytest.raises(ValueError) as info:
        results_table(work_root=str(root), only=['nosuchconfig'],
                      report_only=True)
    assert '--only nosuchconfig' in str(info.value)
    assert 'ddad_resnet18' in str(info.value)
    assert not root.exists()
    # no results yet: the table does not claim a file it never wrote
    report = results_table(work_root=str(root), report_only=True)
    assert 'results kept in' not in report
    assert 'no results recorded yet' in report
    root.mkdir()
    (root / 'results.json').write_text('{\n')
    with pytest.raises(ValueError, match='results.json" is not valid JSON'):
        results_table(work_root=str(root), report_only=True)
