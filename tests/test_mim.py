# Copyright (c) mmddad contributors. All rights reserved.
"""OpenMMLab's `mim` finds mmddad's configs, tools and model index."""
import os
import os.path as osp
import shutil
import subprocess
import sys

import pytest
import yaml

from .conftest import REPO_ROOT

MIM = shutil.which('mim')


def _mim(*args, cwd: str, site: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=site)
    return subprocess.run([MIM, *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def _install_wheel(tmp_path) -> str:
    """A non-editable install of a copy of the checkout into its own
    folder (first on PYTHONPATH, so mim finds this distribution)."""
    source, site = tmp_path / 'source', tmp_path / 'site'
    shutil.copytree(
        REPO_ROOT, source, symlinks=True,
        ignore=shutil.ignore_patterns('.git', 'work_dirs', 'data', '.mim',
                                      '*.egg-info', '__pycache__', 'build',
                                      '.whl', '.dev', '.pytest_cache'))
    proc = subprocess.run(
        [sys.executable, '-m', 'pip', 'install', '-q', '--no-deps',
         '--no-build-isolation', '--target', str(site), str(source)],
        capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return str(site)


def test_model_index_imports_every_metafile():
    with open(osp.join(REPO_ROOT, 'model-index.yml')) as f:
        index = yaml.safe_load(f)
    metafiles = sorted(
        osp.relpath(osp.join(root, 'metafile.yml'), REPO_ROOT)
        for root, _, files in os.walk(osp.join(REPO_ROOT, 'configs'))
        if 'metafile.yml' in files)
    assert sorted(index['Import']) == metafiles
    for path in metafiles:  # every model's config exists
        with open(osp.join(REPO_ROOT, path)) as f:
            for model in yaml.safe_load(f)['Models']:
                assert osp.isfile(osp.join(REPO_ROOT, model['Config'])), path


@pytest.mark.slow
def test_mim_search_and_train_from_outside_the_checkout(
        tmp_path, teacher_checkpoint):
    assert MIM, 'openmim is in the tests extra: pip install -e .[tests]'
    site = _install_wheel(tmp_path)
    mim_dir = osp.join(site, 'mmddad', '.mim')
    for name in ('configs', 'tools', 'model-index.yml'):  # copies, no links
        assert osp.exists(osp.join(mim_dir, name))
        assert not osp.islink(osp.join(mim_dir, name)), name
    outside = tmp_path / 'elsewhere'
    outside.mkdir()
    found = _mim('search', 'mmddad', cwd=str(outside), site=site)
    assert found.returncode == 0, found.stdout + found.stderr
    assert 'ddad_resnet18-w16_resnet18-w8_mnist5k' in found.stdout
    work = str(tmp_path / 'work')
    run = _mim(
        'train', 'mmddad', 'ddad_resnet18-w16_resnet18-w8_mnist5k.py',
        '--gpus', '0', '--work-dir', work, '--cfg-options',
        f'model.teacher.checkpoint={teacher_checkpoint}',
        'train_cfg.max_iters=2', 'train_cfg.val_interval=2',
        'train_dataloader.batch_size=4', 'model.student_steps=1',
        'val_dataloader.dataset.indices=20',
        'default_hooks.checkpoint.interval=2', cwd=str(outside), site=site)
    log = run.stdout + run.stderr
    assert run.returncode == 0, log[-3000:]
    assert osp.isfile(osp.join(work, 'iter_2.pth'))
