# Copyright (c) mmddad contributors. All rights reserved.
"""Shared fixtures: tiny real models and checkpoints made by the tests."""
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = osp.join(REPO_ROOT, 'configs')
TOOLS = osp.join(REPO_ROOT, 'tools')
EMBEDDED_DDAD = osp.join(CONFIGS, 'ddad',
                         'ddad_resnet18-w16_resnet18-w8_mnist5k.py')
TEACHER_RECIPE = osp.join(CONFIGS, 'teachers', 'resnet18-w16_mnist5k.py')
STUDENT_RECIPE = osp.join(CONFIGS, 'teachers', 'resnet18-w8_mnist5k.py')

torch.set_num_threads(min(2, os.cpu_count() or 1))


def pytest_configure(config) -> None:
    config.addinivalue_line(
        'markers', 'smoke: the subset tools/check_min_stack.sh runs on the '
        'oldest supported stack (torch 2.1)')
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)


@pytest.fixture(scope='session')
def teacher_checkpoint(tmp_path_factory) -> str:
    """A randomly initialised embedded teacher whose BN running stats are
    set from a few real-looking batches, saved as an MMEngine checkpoint."""
    from mmddad.models import build_network
    torch.manual_seed(0)
    teacher = build_network(dict(cfg_path=TEACHER_RECIPE), 'teacher')
    teacher.init_weights()
    teacher.train()
    with torch.no_grad():  # give BN non-trivial running statistics
        for _ in range(3):
            teacher(torch.randn(16, 1, 32, 32) * 0.8 + 0.1, mode='tensor')
    path = str(tmp_path_factory.mktemp('teacher') / 'teacher.pth')
    torch.save(dict(state_dict=teacher.state_dict(), meta=dict()), path)
    return path


def run_tool(*args, check=True, env=None) -> subprocess.CompletedProcess:
    """Run a script from the repository root, as ``python *args`` would
    (in a process forked from one that has the stack imported: see
    ``tests/tool_runner.py``); fail with its output unless ``check`` is
    False. ``env``: variables to set beside the caller's."""
    from tests.tool_runner import run_python
    env = dict(os.environ, **(env or {}), PYTHONPATH=REPO_ROOT)
    proc = run_python(list(args), cwd=REPO_ROOT, env=env, timeout=600)
    if check and proc.returncode != 0:
        raise AssertionError(f'{args} failed:\n{proc.stdout[-3000:]}\n'
                             f'{proc.stderr[-3000:]}')
    return proc


#: ``--cfg-options`` of a tiny embedded DDAD run (seconds on a CPU).
TINY_DDAD = [
    'train_dataloader.batch_size=8', 'model.student_steps=2',
    'model.generator.base_channels=16', 'val_dataloader.dataset.indices=50',
    'test_dataloader.dataset.indices=50', 'default_hooks.logger.interval=1'
]


@pytest.fixture(scope='session')
def ddad_run(tmp_path_factory, teacher_checkpoint) -> str:
    """The work dir of a 2-iteration embedded DDAD run trained by
    ``tools/train.py`` (``iter_2.pth``, its config copy). Tests that write
    into a run copy it first."""
    work = str(tmp_path_factory.mktemp('ddad_run') / 'run')
    run_tool(
        osp.join(TOOLS, 'train.py'), EMBEDDED_DDAD, '--work-dir', work,
        '--cfg-options', f'model.teacher.checkpoint={teacher_checkpoint}',
        *TINY_DDAD, 'train_cfg.max_iters=2', 'train_cfg.val_interval=2',
        'default_hooks.checkpoint.interval=2')
    return work


def one_step_runner(cfg, work_dir: str, batch_size: int):
    """A runner of one training iteration of ``cfg`` with a random teacher,
    one student step, no evaluation and no checkpoint: what the configs
    whose teachers and data are not here can run."""
    from mmengine.runner import Runner
    cfg.model.teacher.checkpoint = None
    cfg.work_dir = work_dir
    cfg.train_dataloader.batch_size = batch_size
    cfg.train_cfg.max_iters = 1
    cfg.model.student_steps = 1
    for key in ('val_dataloader', 'val_cfg', 'val_evaluator',
                'test_dataloader', 'test_cfg', 'test_evaluator'):
        cfg[key] = None
    cfg.default_hooks.checkpoint = None
    return Runner.from_cfg(cfg)
