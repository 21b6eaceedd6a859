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


if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)


def pytest_configure(config) -> None:
    config.addinivalue_line(
        'markers', 'smoke: the subset tools/check_min_stack.sh runs on the '
        'oldest supported stack (torch 2.1)')
    config.addinivalue_line(
        'markers', 'slow: over about 8 s on 2 CPU cores (real processes, '
        'long runs); `pytest tests -m "not slow"` leaves them out')


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


def error_line(proc: subprocess.CompletedProcess) -> str:
    """A tool's error: non-zero exit, one line on stderr, no traceback."""
    assert proc.returncode != 0, proc.stdout[-2000:]
    assert 'Traceback' not in proc.stderr, proc.stderr[-3000:]
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert lines and lines[-1].startswith('error: '), proc.stderr[-3000:]
    return lines[-1]


def reported_error(call, *args, **kwargs) -> str:
    """The line a tool prints for the error that its API call
    ``call(*args, **kwargs)`` raises (``run_tool`` of
    ``mmddad/apis/cli.py``): the error must be one a tool reports in one
    line, without a traceback (``ONE_LINE_ERRORS``)."""
    from mmddad.apis.cli import ONE_LINE_ERRORS, one_line
    with pytest.raises(ONE_LINE_ERRORS) as info:
        call(*args, **kwargs)
    return f'error: {one_line(info.value)}'


def cfg_options(*options: str):
    """``--cfg-options *options`` (``key=value`` strings) parsed as the
    command line parses them: a dict, None without options."""
    import argparse

    from mmengine.config import DictAction
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return (parser.parse_args(['--cfg-options', *options])
            if options else parser.parse_args([])).cfg_options


def tool_config(config: str, *options: str):
    """A config as a tool reads it with ``--cfg-options *options``
    (``key=value`` strings, parsed as the command line parses them)."""
    from mmddad.apis.cli import load_tool_config
    return load_tool_config(config, cfg_options(*options))


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


def ddad_options(teacher_checkpoint: str, *extra: str) -> list:
    """``--cfg-options`` of a tiny embedded DDAD run with this teacher."""
    return ['--cfg-options', f'model.teacher.checkpoint={teacher_checkpoint}',
            *TINY_DDAD, *extra]


def copy_run(ddad_run: str, tmp_path) -> str:
    """A copy of the ``ddad_run`` work dir, to write into."""
    import shutil
    work = str(tmp_path / 'run')
    shutil.copytree(ddad_run, work)
    return work


def train_run(config: str, work_dir: str, *options: str, **kwargs):
    """What ``tools/train.py CONFIG --work-dir WORK_DIR --cfg-options
    *options`` runs (:func:`mmddad.apis.train`, in this process);
    ``kwargs``: the tool's other options (``resume``, ``validate``). The
    run's logger, message hub and visualiser are its own (a new experiment
    name), so its log file in the work dir (:func:`run_log`) holds what it
    logged."""
    import uuid

    from mmddad.apis import train
    cfg = tool_config(config, *options)
    cfg.work_dir = work_dir
    cfg.experiment_name = f'test_{uuid.uuid4().hex[:8]}'
    return train(cfg, cfg_options=cfg_options(*options), **kwargs)


def train_ddad(work_dir: str, teacher_checkpoint: str, *options: str,
               **kwargs):
    """:func:`train_run` of a tiny embedded DDAD run (:func:`ddad_options`
    plus ``options``)."""
    return train_run(EMBEDDED_DDAD, work_dir,
                     *ddad_options(teacher_checkpoint, *options)[1:],
                     **kwargs)


def run_log(work_dir: str) -> str:
    """The text of the log files of the runs of a work dir
    (``WORK_DIR/TIMESTAMP/TIMESTAMP.log``)."""
    import glob
    text = []
    for path in sorted(glob.glob(osp.join(work_dir, '*', '*.log'))):
        with open(path) as f:
            text.append(f.read())
    return ''.join(text)


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
