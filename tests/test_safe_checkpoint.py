# Copyright (c) mmddad contributors. All rights reserved.
import fractions
import os

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner import CheckpointLoader

import mmddad  # noqa: F401  (routes checkpoint loading through the allowlist)
from mmddad.utils import TRUST_ENV, UnsafeCheckpointError
from .conftest import STUDENT_RECIPE, TOOLS, run_tool

pytestmark = pytest.mark.smoke


@pytest.fixture(autouse=True, params=['torch', 'own'])
def unpickler(request, monkeypatch):
    """Every test on both routes: torch's weights-only loader taught the
    allowlist (torch >= 2.4) and mmddad's own allowlist unpickler (the only
    route on older torch)."""
    monkeypatch.setenv('MMDDAD_OWN_UNPICKLER',
                       '1' if request.param == 'own' else '0')
    if request.param == 'torch' and not hasattr(torch.serialization,
                                                'add_safe_globals'):
        pytest.skip('this torch has no add_safe_globals: own route only')
    return request.param


class _RunsCode:
    """Unpickling this object calls os.system: what a malicious file does."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


def test_openmmlab_checkpoint_contents_load(tmp_path):
    buf = HistoryBuffer()
    buf.update(1.5)
    path = tmp_path / 'ok.pth'
    torch.save(
        dict(
            state_dict={'w': torch.ones(2)},
            message_hub=dict(log_scalars={'train/loss': buf},
                             runtime_info={'iter': np.int64(3),
                                           'lr': np.float64(0.1),
                                           'arr': np.arange(3)}),
            meta=dict(dataset_meta=dict(classes=('a', 'b')), seed=0)),
        path)
    ckpt = CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
    assert ckpt['message_hub']['log_scalars']['train/loss'].current() == 1.5
    assert ckpt['message_hub']['runtime_info']['arr'].tolist() == [0, 1, 2]


def test_code_running_pickle_is_refused(tmp_path, monkeypatch):
    monkeypatch.delenv(TRUST_ENV, raising=False)
    marker = tmp_path / 'pwned'
    path = tmp_path / 'evil.pth'
    torch.save(dict(state_dict={}, meta=_RunsCode(str(marker))), path)
    with pytest.raises(UnsafeCheckpointError, match='system') as err:
        CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
    assert TRUST_ENV in str(err.value)
    assert not marker.exists()


def test_trust_switch_allows_other_types(tmp_path, monkeypatch):
    path = tmp_path / 'custom.pth'
    torch.save(dict(state_dict={}, meta=fractions.Fraction(1, 3)), path)
    monkeypatch.delenv(TRUST_ENV, raising=False)
    with pytest.raises(UnsafeCheckpointError, match='Fraction'):
        CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
    monkeypatch.setenv(TRUST_ENV, '1')
    ckpt = CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
    assert ckpt['meta'] == fractions.Fraction(1, 3)


def test_missing_checkpoint_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='nothing.pth'):
        CheckpointLoader.load_checkpoint(str(tmp_path / 'nothing.pth'))


@pytest.mark.parametrize('tool', ['test.py', 'export_student.py'])
def test_tools_refuse_a_code_running_checkpoint(tmp_path, monkeypatch, tool):
    monkeypatch.delenv(TRUST_ENV, raising=False)
    marker = tmp_path / 'pwned'
    path = tmp_path / 'evil.pth'
    torch.save(dict(state_dict={}, meta=_RunsCode(str(marker))), path)
    args = [STUDENT_RECIPE, str(path)] if tool == 'test.py' else [
        str(path), str(tmp_path / 'student.pth')]
    proc = run_tool(os.path.join(TOOLS, tool), *args, check=False)
    assert proc.returncode != 0
    assert 'Refused to load checkpoint' in proc.stderr, proc.stderr[-2000:]
    assert 'Traceback' not in proc.stderr
    assert not marker.exists()
