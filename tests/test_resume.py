# Copyright (c) mmddad contributors. All rights reserved.
"""Nothing lost: exact resume, SIGKILL and resume, atomic writes, NaN stop;
what ``--resume`` takes (this run's intact training checkpoints, whose
weights fit) and the new values a resumed state overrides."""
import errno
import json
import os
import os.path as osp
import signal
import subprocess
import sys
import time

import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

from mmddad.utils import atomic_write
from .conftest import (EMBEDDED_DDAD, REPO_ROOT, TINY_DDAD, TOOLS, copy_run,
                       reported_error, run_log, run_tool, tool_config,
                       train_ddad, train_run)


def tiny_cfg(work_dir: str, teacher_checkpoint: str, max_iters: int,
             **extra) -> Config:
    cfg = Config.fromfile(EMBEDDED_DDAD)
    cfg.work_dir = work_dir
    cfg.model.teacher.checkpoint = teacher_checkpoint
    cfg.model.student_steps = 2
    cfg.model.generator.base_channels = 16
    cfg.train_dataloader.batch_size = 8
    cfg.train_cfg.max_iters = max_iters
    cfg.train_cfg.val_interval = 2
    cfg.val_dataloader.dataset.indices = 20
    cfg.default_hooks.checkpoint.interval = 2
    cfg.default_hooks.logger.interval = 1
    # decay inside the short run, so the scheduler state matters too
    cfg.param_scheduler.milestone_ratios = [0.25, 0.75]  # iterations 1, 3
    cfg.merge_from_dict(extra)
    return cfg


class _StopAfter(Hook):
    """Ends training after ``n`` iterations, once they are checkpointed."""

    def __init__(self, n: int) -> None:
        self.n = n

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        if runner.iter + 1 >= self.n:
            runner.train_loop.stop_training = True


def train_command(work: str, teacher_checkpoint: str, *options: str) -> list:
    """``tools/train.py`` on a tiny embedded DDAD run; ``args[:5] +
    ['--resume'] + args[5:]`` resumes it."""
    return [
        sys.executable,
        osp.join(TOOLS, 'train.py'), EMBEDDED_DDAD, '--work-dir', work,
        '--cfg-options', f'model.teacher.checkpoint={teacher_checkpoint}',
        'train_cfg.val_interval=1000', 'train_dataloader.batch_size=8',
        'model.generator.base_channels=16', *options
    ]


def trained_state(path: str) -> dict:
    """A checkpoint's weights (the trained ones and, from the embedded
    config's EMAHook, their moving average, prefixed ``ema.``) and its
    optimiser states."""
    ckpt = torch.load(path, weights_only=False)
    state = dict(ckpt['state_dict'])
    state.update({f'ema.{k}': v
                  for k, v in ckpt.get('ema_state_dict', {}).items()})
    return state, ckpt['optimizer']


#: The bank schedule: every image of the run kept, student batches drawn
#: from all of it, cropped and flipped (the default of
#: configs/ddad/ddad_resnet56_resnet20_cifar10-folder.py)
BANK = dict(capacity=4096, ratio=1.0)
AUGMENT = dict(type='SyntheticAugmentation', padding=2, flip_prob=0.5)


@pytest.mark.parametrize('replay, relabel', [
    (None, False), (dict(capacity=20, ratio=0.75), False), (BANK, False),
    (BANK, True)], ids=['fresh', 'replay', 'bank', 'bank-relabel'])
@pytest.mark.smoke
def test_resume_is_bit_identical(tmp_path, teacher_checkpoint, replay,
                                 relabel):
    """4 iterations straight == 2, stop, resume, 2 more; with replay the
    buffer (wrapped around by then) is part of the restored state; with the
    bank every image is (and the augmentation's draws repeat); relabelling,
    the bank holds images alone."""
    extra = {'model.replay': replay}  # None: off (the embedded config's is on)
    if replay is BANK:
        extra['model.augment'] = dict(AUGMENT, relabel=relabel)
    straight = str(tmp_path / 'straight')
    Runner.from_cfg(tiny_cfg(straight, teacher_checkpoint, 4,
                             **extra)).train()

    # the same run, stopped after 2 of its 4 iterations (as a preemption
    # would stop it), then resumed from its checkpoint
    interrupted = str(tmp_path / 'interrupted')
    runner = Runner.from_cfg(
        tiny_cfg(interrupted, teacher_checkpoint, 4, **extra))
    runner.register_hook(_StopAfter(2), priority='LOWEST')
    runner.train()
    assert runner.iter == 2
    cfg = tiny_cfg(interrupted, teacher_checkpoint, 4, **extra)
    cfg.resume = True  # latest checkpoint of the work dir: iter_2.pth
    cfg.randomness = dict(seed=12345)  # the checkpoint's seed must win
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.iter == 4

    # the training clock resumed too: the curve holds both validations
    with open(osp.join(interrupted, 'val_curve.json')) as f:
        assert [r['iter'] for r in json.load(f)] == [2, 4]

    state_a, optim_a = trained_state(osp.join(straight, 'iter_4.pth'))
    state_b, optim_b = trained_state(osp.join(interrupted, 'iter_4.pth'))
    assert state_a.keys() == state_b.keys()
    assert any(k.startswith('generator.') for k in state_a)
    assert any(k.startswith('ema.module.student.') for k in state_a)
    if replay is BANK:  # nothing overwritten: the bank holds every image
        assert 0 < int(state_a['replay.num_added']) <= replay['capacity']
        assert ('replay.logits' in state_a) is not relabel
    elif replay is not None:
        assert int(state_a['replay.num_added']) > replay['capacity']
    if replay is not None:
        # the weight average shares the replay with the model (not a copy
        # of it): the checkpoint stores its images once
        ckpt = torch.load(osp.join(straight, 'iter_4.pth'), weights_only=False)
        assert ckpt['ema_state_dict']['module.replay.images'].data_ptr() == \
            ckpt['state_dict']['replay.images'].data_ptr()
    for key in state_a:
        assert torch.equal(state_a[key], state_b[key]), key
    for name in ('student', 'generator'):
        sa, sb = optim_a[name]['state'], optim_b[name]['state']
        assert sa.keys() == sb.keys()
        for idx in sa:
            for k, v in sa[idx].items():
                assert torch.equal(torch.as_tensor(v),
                                   torch.as_tensor(sb[idx][k])), (name, k)


@pytest.mark.slow
def test_sigkill_then_resume(tmp_path, teacher_checkpoint):
    work = str(tmp_path / 'killed')
    args = train_command(
        work, teacher_checkpoint, 'train_cfg.max_iters=120',
        'model.student_steps=2', 'val_dataloader.dataset.indices=20',
        'test_dataloader.dataset.indices=20',
        'default_hooks.checkpoint.interval=4',
        'default_hooks.checkpoint.max_keep_ckpts=20')
    env = dict(os.environ, PYTHONPATH=REPO_ROOT)
    proc = subprocess.Popen(args, cwd=REPO_ROOT, env=env,
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while not osp.isfile(osp.join(work, 'iter_8.pth')):
        assert proc.poll() is None, 'training ended before it was killed'
        assert time.time() < deadline
        time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert not osp.isfile(osp.join(work, 'iter_120.pth'))
    with open(osp.join(work, 'last_checkpoint')) as f:
        last = f.read().strip()
    torch.load(last, weights_only=False)  # complete, loadable

    done = run_tool(*args[1:5], '--resume', *args[5:], check=False)
    log = done.stdout + done.stderr
    assert done.returncode == 0, log[-3000:]
    assert 'resumed epoch: 0, iter: ' in log
    assert osp.isfile(osp.join(work, 'iter_120.pth'))


def test_atomic_write_keeps_the_old_file_on_failure(tmp_path, monkeypatch):
    target = tmp_path / 'ckpt.pth'
    atomic_write(b'old', target)

    def broken_fsync(fd):
        raise OSError('disk full')

    monkeypatch.setattr(os, 'fsync', broken_fsync)
    with pytest.raises(OSError, match='disk full'):
        atomic_write(b'new-but-interrupted', target)
    assert target.read_bytes() == b'old'
    assert os.listdir(tmp_path) == ['ckpt.pth']  # no temp file left


def test_a_full_disk_names_the_file_and_keeps_the_old_one(tmp_path,
                                                          monkeypatch):
    target = tmp_path / 'iter_4.pth'
    atomic_write(b'old', target)

    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, 'fsync', full)
    with pytest.raises(OSError) as info:
        atomic_write(b'new', target)
    assert info.value.errno == errno.ENOSPC
    assert f'could not write "{target}" (No space left on device)' in str(
        info.value)
    assert target.read_bytes() == b'old'


def test_non_finite_loss_stops_before_saving(tmp_path, teacher_checkpoint):
    work = str(tmp_path / 'nan')
    cfg = tiny_cfg(work, teacher_checkpoint, 6)
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    runner = Runner.from_cfg(cfg)
    original = runner.model.train_step
    calls = []

    def poisoned(data, optim_wrapper):
        calls.append(1)
        logs = original(data, optim_wrapper)
        if len(calls) == 3:
            logs['loss_bn'] = torch.tensor(float('nan'))
        return logs

    runner.model.train_step = poisoned
    with pytest.raises(FloatingPointError, match='iteration 3: loss_bn'):
        runner.train()
    assert osp.isfile(osp.join(work, 'iter_2.pth'))
    assert not osp.isfile(osp.join(work, 'iter_4.pth'))


def test_a_nan_before_any_checkpoint_says_there_is_none(tmp_path):
    from types import SimpleNamespace

    from mmddad.engine.hooks import NonFiniteLossHook
    hook = NonFiniteLossHook()
    runner = SimpleNamespace(work_dir=str(tmp_path), iter=0)
    with pytest.raises(FloatingPointError,
                       match='no checkpoint was saved before it'):
        hook.after_train_iter(runner, 0,
                              outputs=dict(loss_bn=torch.tensor(
                                  float('nan'))))
    ckpt = tmp_path / 'iter_2.pth'
    ckpt.write_bytes(b'x')
    (tmp_path / 'last_checkpoint').write_text(str(ckpt))
    with pytest.raises(FloatingPointError,
                       match='the last checkpoint, ".*iter_2.pth", is intact'):
        hook.after_train_iter(runner, 0,
                              outputs=dict(loss_bn=torch.tensor(
                                  float('inf'))))


def _truncate(path: str) -> None:
    """Cut a file to half its size, as an interrupted copy leaves it."""
    with open(path, 'rb') as f:
        data = f.read()
    with open(path, 'wb') as f:
        f.write(data[:len(data) // 2])


def test_resume_selection_skips_damaged_checkpoints(tmp_path):
    from mmddad.utils import checkpoint_damage, select_resume_checkpoint
    work = tmp_path / 'run'
    work.mkdir()
    for it in (2, 4):
        torch.save(dict(meta=dict(iter=it), state_dict={}),
                   work / f'iter_{it}.pth')
    _truncate(str(work / 'iter_4.pth'))
    (work / 'last_checkpoint').write_text(str(work / 'iter_4.pth'))
    assert 'not a complete checkpoint' in checkpoint_damage(
        str(work / 'iter_4.pth'))
    assert checkpoint_damage(str(work / 'iter_2.pth')) is None
    with pytest.warns(UserWarning, match='(?s)iter_2.pth.*skipped.*iter_4'):
        chosen = select_resume_checkpoint(str(work))
    assert chosen == str(work / 'iter_2.pth')
    # a damaged file asked for by name: an error naming it and the good one
    with pytest.raises(ValueError,
                       match='(?s)iter_4.pth.*cannot resume.*iter_2.pth'):
        select_resume_checkpoint(str(work), str(work / 'iter_4.pth'))
    # every checkpoint damaged: an error, not a silent restart
    _truncate(str(work / 'iter_2.pth'))
    with pytest.raises(ValueError, match='no checkpoint .* can be loaded'):
        select_resume_checkpoint(str(work))
    # nothing to resume (an empty or mistyped work dir): an error naming it
    (tmp_path / 'empty').mkdir()
    for missing in ('empty', 'mistyped'):
        with pytest.raises(FileNotFoundError,
                           match=f'--resume: ".*{missing}" holds no checkpoint'):
            select_resume_checkpoint(str(tmp_path / missing))


def test_the_resume_fallback_offers_only_this_runs_checkpoints(tmp_path):
    from mmddad.utils import select_resume_checkpoint
    torch.save(dict(state_dict={}), tmp_path / 'student.pth')  # exported
    (tmp_path / 'iter_4.pth').write_bytes(b'cut short')
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'iter_4.pth'))
    with pytest.raises(ValueError) as info:
        select_resume_checkpoint(str(tmp_path))
    assert 'iter_4.pth' in str(info.value)
    assert 'student.pth' not in str(info.value)
    with pytest.raises(ValueError) as info:
        select_resume_checkpoint(str(tmp_path), str(tmp_path / 'iter_4.pth'))
    assert 'No intact checkpoint is beside it' in str(info.value)


def test_train_resume_falls_back_to_the_newest_intact_checkpoint(
        tmp_path, teacher_checkpoint):
    """``tools/train.py --resume``'s runs, through its API call (the tool
    itself resumes in ``test_sigkill_then_resume``)."""
    work = str(tmp_path / 'damaged')
    options = train_command(work, teacher_checkpoint, 'model.student_steps=1',
                            'default_hooks.checkpoint.interval=2',
                            'default_hooks.checkpoint.max_keep_ckpts=5')[6:]
    train_run(EMBEDDED_DDAD, work, *options, 'train_cfg.max_iters=4')
    _truncate(osp.join(work, 'iter_4.pth'))  # last_checkpoint names it
    with pytest.warns(UserWarning, match=r'skipped "[^"]*iter_4\.pth"'):
        train_run(EMBEDDED_DDAD, work, *options, 'train_cfg.max_iters=6',
                  resume='auto')
    assert 'resumed epoch: 0, iter: 2' in run_log(work)
    assert osp.isfile(osp.join(work, 'iter_6.pth'))
    line = reported_error(train_run, EMBEDDED_DDAD, work, *options,
                          resume=osp.join(work, 'missing.pth'))
    assert 'missing.pth' in line and 'iter_6.pth' in line


def test_resume_into_an_empty_work_dir_is_an_error(tmp_path,
                                                   teacher_checkpoint):
    """``tools/train.py --resume`` and ``tools/distill.py --resume``,
    through their API calls (the tools themselves resume in
    ``test_sigkill_then_resume`` and ``tests/test_tools.py``)."""
    from mmddad.apis import distill
    work = str(tmp_path / 'mistyped')
    line = reported_error(train_ddad, work, teacher_checkpoint,
                          resume='auto')
    assert 'holds no checkpoint to resume from' in line
    cfg = tool_config(EMBEDDED_DDAD,
                      f'model.teacher.checkpoint={teacher_checkpoint}',
                      *TINY_DDAD)
    cfg.work_dir = work
    line = reported_error(distill, cfg, resume=True)
    assert 'holds no checkpoint to resume from' in line
    assert not osp.exists(tmp_path / 'mistyped' / 'iter_1.pth')


def test_resume_says_which_new_values_the_checkpoint_overrides(
        tmp_path, ddad_run, teacher_checkpoint):
    """``tools/train.py --resume``'s run, through its API call."""
    work = copy_run(ddad_run, tmp_path)
    train_ddad(work, teacher_checkpoint,
               'optim_wrapper.generator.optimizer.lr=0.5',
               'optim_wrapper.student.optimizer.lr=0.1',
               'train_cfg.max_iters=3', 'train_cfg.val_interval=5',
               resume=osp.join(work, 'iter_2.pth'))
    log = run_log(work)
    assert ('--cfg-options optim_wrapper.generator.optimizer.lr=0.5 is not '
            'applied: the optimiser state resumed from the checkpoint keeps '
            'lr=0.001') in log
    assert ('--cfg-options train_cfg.max_iters=3 sets where the run ends, but'
            ' the learning-rate milestones') in log
    # the student's rate is the checkpoint's own: nothing to say
    assert 'optim_wrapper.student.optimizer.lr=0.1 is not' not in log
    assert osp.isfile(osp.join(work, 'iter_3.pth'))


def test_resume_from_weights_only_or_another_student_is_refused(
        tmp_path, ddad_run, teacher_checkpoint):
    """``tools/train.py --resume``'s runs, through its API call."""
    work = copy_run(ddad_run, tmp_path)
    config_copy = osp.join(work, osp.basename(EMBEDDED_DDAD))
    with open(config_copy, 'rb') as f:
        before = f.read()
    student = str(tmp_path / 'student.pth')
    from mmddad.apis import export_student  # tools/export_student.py's call
    export_student(osp.join(work, 'iter_2.pth'), out=student)

    def resume(source, *extra):
        return reported_error(train_ddad, work, teacher_checkpoint, *extra,
                              resume=source)

    line = resume(student)
    assert 'not a training state to resume' in line
    # load_from would find none of the model's keys in it: the hint is the
    # option that takes an exported student, and it works
    hint = f'--cfg-options model.student.checkpoint={student} (without ' \
        '--resume)'
    assert 'an exported student' in line and hint in line
    assert 'load_from=' not in line
    new_run = str(tmp_path / 'from_student')
    train_ddad(new_run, teacher_checkpoint,
               f'model.student.checkpoint={student}', 'train_cfg.max_iters=1',
               'train_cfg.val_interval=5')
    assert osp.isfile(osp.join(new_run, 'iter_1.pth'))
    line = resume(teacher_checkpoint)
    assert 'not a training state to resume' in line
    assert 'load_from=' not in line  # the teacher fits neither
    line = resume(osp.join(work, 'iter_2.pth'),
                  'model.student.backbone.base_channels=16',
                  'model.student.backbone.stem_channels=16',
                  'model.student.head.in_channels=128')
    assert 'does not fit' in line and 'keys of another shape' in line
    assert 'student.backbone' in line
    # the failed start-ups left the run's config copy as it was
    with open(config_copy, 'rb') as f:
        assert f.read() == before
