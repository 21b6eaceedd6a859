# Copyright (c) mmddad contributors. All rights reserved.
"""A tool never replaces a file that exists unless ``--force`` says so."""
import os.path as osp

import pytest

from tests.conftest import EMBEDDED_DDAD, TOOLS, run_tool


def test_check_new_file(tmp_path):
    from mmddad.utils import check_new_file
    path = tmp_path / 'out.pkl'
    check_new_file(str(path), '--out', force=False)  # new: fine
    path.write_text('kept')
    with pytest.raises(FileExistsError, match='--out ".*out.pkl" exists; '
                       'pass --force'):
        check_new_file(str(path), '--out', force=False)
    check_new_file(str(path), '--out', force=True)
    with pytest.raises(IsADirectoryError, match='is a folder'):
        check_new_file(str(tmp_path), '--out', force=True)


@pytest.mark.parametrize('tool, args', [
    ('test.py', ['--out', '{out}.pkl']),
    ('draw_synthetic.py', ['--out', '{out}.png']),
])
def test_tools_keep_an_existing_output(tool, args, tmp_path, ddad_run):
    out = str(tmp_path / 'existing')
    args = [a.format(out=out) for a in args]
    with open(args[-1], 'w') as f:
        f.write('the user\'s file')
    proc = run_tool(osp.join(TOOLS, tool), EMBEDDED_DDAD,
                    osp.join(ddad_run, 'iter_2.pth'), *args, check=False)
    assert proc.returncode == 1
    assert 'exists; pass --force to replace it' in proc.stderr
    with open(args[-1]) as f:
        assert f.read() == 'the user\'s file'


def test_plot_curves_keeps_an_existing_picture(tmp_path, ddad_run):
    out = tmp_path / 'curves.png'
    out.write_text('the user\'s picture')
    proc = run_tool(osp.join(TOOLS, 'plot_curves.py'), ddad_run, '--out',
                    str(out), check=False)
    assert proc.returncode == 1 and 'pass --force' in proc.stderr
    assert out.read_text() == 'the user\'s picture'
    run_tool(osp.join(TOOLS, 'plot_curves.py'), ddad_run, '--out', str(out),
             '--force')
    assert out.read_bytes()[:4] == b'\x89PNG'


def test_results_table_names_a_malformed_entry(tmp_path):
    store = tmp_path / 'results.json'
    store.write_text('{"configs/x.py@0": {"score": "high"}}')
    proc = run_tool(osp.join(TOOLS, 'results_table.py'), '--work-root',
                    str(tmp_path), '--report-only', check=False)
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert 'entry "configs/x.py@0": `score` must be a number' in proc.stderr


def test_plot_curves_compares_runs_against_training_minutes(tmp_path):
    import json
    run = tmp_path / 'run'
    run.mkdir()
    (run / 'val_curve.json').write_text(json.dumps([
        {'iter': 100, 'train_seconds': 60.0, 'accuracy/top1': 30.0},
        {'iter': 200, 'train_seconds': 120.0, 'accuracy/top1': 40.0}]))
    peer = tmp_path / 'peer.json'
    peer.write_text(json.dumps({'evaluations': [
        {'epoch': 1, 'train_seconds': 90.0, 'top1': 20.0}]}))
    out = tmp_path / 'minutes.png'
    run_tool(osp.join(TOOLS, 'plot_curves.py'), '--minutes', f'DDAD={run}',
             f'peer={peer}', '--teacher-score', '83.2', '--out', str(out))
    assert out.read_bytes()[:4] == b'\x89PNG'
    # a path without a curve is named
    proc = run_tool(osp.join(TOOLS, 'plot_curves.py'), '--minutes',
                    f'x={tmp_path / "empty.json"}', '--out',
                    str(tmp_path / 'x.png'), check=False)
    assert proc.returncode == 1 and 'empty.json' in proc.stderr
