# Copyright (c) mmddad contributors. All rights reserved.
import fractions
import functools
import http.server
import os
import threading

import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.logging import HistoryBuffer
from mmengine.runner import CheckpointLoader

from mmddad.utils import TRUST_ENV, UnsafeCheckpointError, install_safe_loader
from .conftest import (STUDENT_RECIPE, TEACHER_RECIPE, TOOLS,
                       run_tool)

pytestmark = pytest.mark.smoke


@pytest.fixture(autouse=True)
def safe_loader():
    """The tests below are about the loader itself: install it (importing
    mmddad does not; the tools and the API do, see
    tests/test_loader_install.py)."""
    install_safe_loader()


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
    args = [STUDENT_RECIPE, str(path), '--work-dir', str(tmp_path / 'w')] \
        if tool == 'test.py' else [str(path), str(tmp_path / 'student.pth')]
    proc = run_tool(os.path.join(TOOLS, tool), *args, check=False)
    assert proc.returncode != 0
    assert 'Refused to load checkpoint' in proc.stderr, proc.stderr[-2000:]
    assert 'Traceback' not in proc.stderr
    assert not marker.exists()


# ------------------------------------------------ checkpoints from a URL
class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves a folder without logging each request."""

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def web(tmp_path, monkeypatch):
    """A web server on 127.0.0.1 serving ``tmp_path/www``, and torch's hub
    cache in ``tmp_path/torch_home``; yields (www, base URL, cache)."""
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch_home'))
    for proxy in ('http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY',
                  'all_proxy', 'ALL_PROXY'):
        monkeypatch.delenv(proxy, raising=False)
    www = tmp_path / 'www'
    www.mkdir()
    server = http.server.ThreadingHTTPServer(
        ('127.0.0.1', 0), functools.partial(_QuietHandler,
                                            directory=str(www)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield (www, f'http://127.0.0.1:{server.server_address[1]}',
               tmp_path / 'torch_home' / 'hub' / 'checkpoints')
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _load_checkpoint_file(url: str):
    from mmddad.utils import load_checkpoint_file
    return load_checkpoint_file(url)


def _load_weights(url: str):
    from mmddad.utils import load_weights
    return load_weights(nn.Linear(2, 1), url, strict=False)


def _teacher_checkpoint(url: str):
    """What ``model.teacher.checkpoint`` loads through."""
    from mmddad.models import build_network
    return build_network(dict(cfg_path=TEACHER_RECIPE, checkpoint=url),
                         'teacher')


def _mmcls_name(url: str, monkeypatch):
    """MMEngine's ``mmcls://NAME`` (MMSeg's ``pretrained``), resolved to
    ``url``."""
    import mmengine.runner.checkpoint as mmengine_checkpoint
    monkeypatch.setattr(mmengine_checkpoint, 'get_mmcls_models',
                        lambda: {'evil': url})
    return CheckpointLoader.load_checkpoint('mmcls://evil',
                                            map_location='cpu')


URL_LOADERS = {
    'CheckpointLoader': lambda url, _: CheckpointLoader.load_checkpoint(
        url, map_location='cpu'),
    'load_checkpoint_file': lambda url, _: _load_checkpoint_file(url),
    'load_weights': lambda url, _: _load_weights(url),
    'model.teacher.checkpoint': lambda url, _: _teacher_checkpoint(url),
    'mmcls://': _mmcls_name,
}


@pytest.mark.parametrize('loader', list(URL_LOADERS))
def test_url_checkpoint_that_runs_code_is_refused_and_stays_refused(
        web, tmp_path, monkeypatch, loader):
    monkeypatch.delenv(TRUST_ENV, raising=False)
    www, base, cache = web
    marker = tmp_path / 'pwned'
    torch.save(dict(state_dict={}, meta=_RunsCode(str(marker))),
               www / 'evil.pth')
    url = f'{base}/evil.pth'
    with pytest.raises(UnsafeCheckpointError, match='system') as err:
        URL_LOADERS[loader](url, monkeypatch)
    assert TRUST_ENV in str(err.value) and url in str(err.value)
    assert not marker.exists()
    # downloaded where torch and MMEngine cache it, nothing half-written
    assert sorted(os.listdir(cache)) == ['evil.pth']
    # a later run loads the cached copy (the server has it no more): refused
    os.remove(www / 'evil.pth')
    with pytest.raises(UnsafeCheckpointError, match='system'):
        URL_LOADERS[loader](url, monkeypatch)
    assert not marker.exists()


def test_url_checkpoint_loads_and_is_cached(web):
    from mmddad.utils import load_checkpoint_file
    www, base, cache = web
    buf = HistoryBuffer()
    buf.update(2.5)
    weights = {'weight': torch.arange(2.).view(1, 2), 'bias': torch.ones(1)}
    torch.save(dict(state_dict=weights, meta=dict(iter=np.int64(3)),
                    message_hub=dict(log_scalars={'train/loss': buf})),
               www / 'good.pth')
    url = f'{base}/good.pth'
    ckpt = CheckpointLoader.load_checkpoint(url, map_location='cpu')
    assert torch.equal(ckpt['state_dict']['weight'], weights['weight'])
    assert ckpt['message_hub']['log_scalars']['train/loss'].current() == 2.5
    assert sorted(os.listdir(cache)) == ['good.pth']
    os.remove(www / 'good.pth')  # from the cache from now on
    assert int(load_checkpoint_file(url)['meta']['iter']) == 3
    model = nn.Linear(2, 1)
    from mmddad.utils import load_weights
    load_weights(model, url)
    assert torch.equal(model.weight.data, weights['weight'])


def test_url_checkpoint_trust_switch_and_download_errors(web, monkeypatch):
    www, base, cache = web
    torch.save(dict(state_dict={}, meta=fractions.Fraction(1, 3)),
               www / 'custom.pth')
    url = f'{base}/custom.pth'
    monkeypatch.delenv(TRUST_ENV, raising=False)
    with pytest.raises(UnsafeCheckpointError, match='Fraction'):
        CheckpointLoader.load_checkpoint(url, map_location='cpu')
    monkeypatch.setenv(TRUST_ENV, '1')
    ckpt = CheckpointLoader.load_checkpoint(url, map_location='cpu')
    assert ckpt['meta'] == fractions.Fraction(1, 3)
    # a missing file: an error that names the URL, and nothing cached
    with pytest.raises(OSError, match='missing.pth.*404'):
        CheckpointLoader.load_checkpoint(f'{base}/missing.pth')
    assert sorted(os.listdir(cache)) == ['custom.pth']
