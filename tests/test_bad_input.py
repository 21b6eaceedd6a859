# Copyright (c) mmddad contributors. All rights reserved.
"""Bad input is never silent and never destructive: each defect found by
probing the tools as a user would, with a test that fails without the fix."""
import errno
import json
import os
import os.path as osp
import shutil
from types import SimpleNamespace

import pytest
import torch
import torch.nn as nn

from mmddad.utils import atomic_write
from .conftest import (EMBEDDED_DDAD, STUDENT_RECIPE, TEACHER_RECIPE,
                       TINY_DDAD, TOOLS, run_tool)


def error_line(proc) -> str:
    """The tool's error: non-zero exit, one line on stderr, no traceback."""
    assert proc.returncode != 0, proc.stdout[-2000:]
    assert 'Traceback' not in proc.stderr, proc.stderr[-3000:]
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert lines and lines[-1].startswith('error: '), proc.stderr[-3000:]
    return lines[-1]


def ddad_options(teacher_checkpoint: str, *extra: str) -> list:
    return ['--cfg-options', f'model.teacher.checkpoint={teacher_checkpoint}',
            *TINY_DDAD, *extra]


def copy_run(ddad_run: str, tmp_path) -> str:
    work = str(tmp_path / 'run')
    shutil.copytree(ddad_run, work)
    return work


# --------------------------------------------------------- 1. data loss
def test_synthesize_force_never_deletes_what_it_did_not_write(
        tmp_path, ddad_run, teacher_checkpoint):
    ckpt = osp.join(ddad_run, 'iter_2.pth')
    out = tmp_path / 'data'
    out.mkdir()
    (out / 'keep.txt').write_text('a user file')

    def synthesize(checkpoint, *args):
        return run_tool(
            osp.join(TOOLS, 'synthesize.py'), EMBEDDED_DDAD, checkpoint,
            '--out', str(out), '--batch-size', '2', *args,
            *ddad_options(teacher_checkpoint), check=False)

    # a wrong checkpoint path: an error, and the folder as it was
    line = error_line(synthesize(str(tmp_path / 'nope.pth'), '--num', '3',
                                 '--force', '--force'))
    assert 'nope.pth' in line
    assert sorted(os.listdir(out)) == ['keep.txt']
    # a folder with files of its own: --force alone refuses it
    line = error_line(synthesize(ckpt, '--num', '3', '--force'))
    assert 'keep.txt' in line and '--force twice' in line
    assert sorted(os.listdir(out)) == ['keep.txt']
    # told twice: written beside the user's file, which is kept
    assert synthesize(ckpt, '--num', '3', '--force', '--force').returncode == 0
    assert (out / 'keep.txt').read_text() == 'a user file'
    assert sorted(os.listdir(out / 'images')) == [
        '000000.png', '000001.png', '000002.png'
    ]
    # again: its own earlier files are replaced, the user's kept
    assert synthesize(ckpt, '--num', '2', '--force', '--force').returncode == 0
    assert sorted(os.listdir(out / 'images')) == ['000000.png', '000001.png']
    assert (out / 'keep.txt').read_text() == 'a user file'
    with open(out / 'synthesize_index.json') as f:
        assert 'meta/train.txt' in json.load(f)['files']
    assert len((out / 'meta' / 'train.txt').read_text().splitlines()) == 2
    # a user file where the new output goes: refused, and nothing changed
    (out / 'images' / '000002.png').write_text('the user\'s')
    line = error_line(synthesize(ckpt, '--num', '3', '--force', '--force'))
    assert 'images/000002.png' in line and 'nothing was changed' in line
    assert (out / 'images' / '000002.png').read_text() == 'the user\'s'
    assert sorted(os.listdir(out / 'images')) == [
        '000000.png', '000001.png', '000002.png'
    ]
    os.remove(out / 'images' / '000002.png')
    # a folder that holds only its own output: one --force replaces it
    os.remove(out / 'keep.txt')
    assert synthesize(ckpt, '--num', '1', '--force').returncode == 0
    assert os.listdir(out / 'images') == ['000000.png']
    assert not [p for p in os.listdir(tmp_path) if p.startswith('.data')]


# ------------------------------------- 2. no metric of unloaded weights
def test_test_tool_refuses_the_weights_of_another_model(
        ddad_run, teacher_checkpoint):
    options = ['--cfg-options', 'test_dataloader.dataset.indices=20']
    # the teacher's checkpoint against the student's config
    line = error_line(run_tool(
        osp.join(TOOLS, 'test.py'), STUDENT_RECIPE, teacher_checkpoint,
        *options, check=False))
    assert 'does not fit the model of' in line
    assert 'keys of another shape' in line and 'backbone.' in line
    # a distillation run's checkpoint where the exported student belongs
    ckpt = osp.join(ddad_run, 'iter_2.pth')
    for extra in ([], ['--partial-load']):  # nothing matches: no opt-out
        line = error_line(run_tool(
            osp.join(TOOLS, 'test.py'), STUDENT_RECIPE, ckpt, *extra,
            *options, check=False))
        assert 'a distillation run (student and generator)' in line
        assert 'export_student.py' in line


def test_load_from_warns_with_the_missing_count_and_stops_on_no_match(
        tmp_path, ddad_run, teacher_checkpoint):
    train = osp.join(TOOLS, 'train.py')
    # nothing of the model in the file: an error before training
    line = error_line(run_tool(
        train, EMBEDDED_DDAD, '--work-dir', str(tmp_path / 'a'),
        *ddad_options(teacher_checkpoint, f'load_from={teacher_checkpoint}'),
        check=False))
    assert 'load_from' in line and 'does not fit' in line
    assert not osp.exists(tmp_path / 'a' / 'iter_1.pth')
    # part of it: a warning with the count, and the run goes on
    ckpt = torch.load(osp.join(ddad_run, 'iter_2.pth'), weights_only=False)
    ckpt['state_dict'] = {
        k: v for k, v in ckpt['state_dict'].items()
        if not k.startswith('generator.')
    }
    partial = str(tmp_path / 'student_only.pth')
    torch.save(ckpt, partial)
    proc = run_tool(
        train, EMBEDDED_DDAD, '--work-dir', str(tmp_path / 'b'),
        *ddad_options(teacher_checkpoint, f'load_from={partial}',
                      'train_cfg.max_iters=1', 'train_cfg.val_interval=5'))
    log = proc.stdout + proc.stderr
    assert "of the model's keys missing: generator." in log
    assert osp.isfile(tmp_path / 'b' / 'iter_1.pth')


def test_export_checks_the_student_against_its_config(
        tmp_path, ddad_run, teacher_checkpoint):
    export = osp.join(TOOLS, 'export_student.py')
    # a teacher's checkpoint holds no student: say what it holds
    line = error_line(run_tool(export, teacher_checkpoint,
                               str(tmp_path / 's.pth'), check=False))
    assert 'holds no `student.*` weights' in line
    assert 'model weights (backbone, head) without training state' in line
    # a config whose student is another architecture
    other = tmp_path / 'wider_student.py'
    other.write_text(f"_base_ = ['{EMBEDDED_DDAD}']\n"
                     "model = dict(student=dict(backbone=dict("
                     "stem_channels=16, base_channels=16), "
                     "head=dict(in_channels=128)))\n")
    line = error_line(run_tool(export, osp.join(ddad_run, 'iter_2.pth'),
                               str(tmp_path / 's.pth'), '--config',
                               str(other), check=False))
    assert 'does not fit the student of its config' in line
    assert not osp.exists(tmp_path / 's.pth')
    # the run's own config (saved in the checkpoint): exported
    run_tool(export, osp.join(ddad_run, 'iter_2.pth'), str(tmp_path / 's.pth'))
    assert osp.isfile(tmp_path / 's.pth')
    # an existing file is replaced only with --force
    proc = run_tool(export, osp.join(ddad_run, 'iter_2.pth'),
                    str(tmp_path / 's.pth'), check=False)
    assert proc.returncode != 0 and '--force' in proc.stdout + proc.stderr


def test_a_truncated_teacher_is_named_unreadable_not_misfit(
        tmp_path, teacher_checkpoint):
    from mmddad.models import build_network
    cut = str(tmp_path / 'cut.pth')
    with open(teacher_checkpoint, 'rb') as f:
        data = f.read()
    with open(cut, 'wb') as f:
        f.write(data[:len(data) // 2])
    with pytest.raises(ValueError) as info:
        build_network(dict(cfg_path=TEACHER_RECIPE, checkpoint=cut),
                      'model.teacher', frozen=True)
    message = str(info.value)
    assert '`model.teacher.checkpoint`' in message and 'cut.pth' in message
    assert 'not a complete checkpoint archive' in message
    assert 'does not fit' not in message


# ----------------------------------------------- 3. tool arguments
@pytest.mark.parametrize('iters', ['-3', '0'])
def test_benchmark_refuses_a_non_positive_iteration_count(iters):
    proc = run_tool(osp.join(TOOLS, 'benchmark.py'), EMBEDDED_DDAD,
                    '--iters', iters, check=False)
    assert proc.returncode == 2
    assert f'argument --iters: must be >= 1, got {iters}' in proc.stderr
    assert 'iterations/s' not in proc.stdout


# ------------------------------------------------------ 4. collapse
def test_collapse_guard_stops_a_frozen_generator(tmp_path,
                                                 teacher_checkpoint):
    work = tmp_path / 'collapse'
    line = error_line(run_tool(
        osp.join(TOOLS, 'train.py'), EMBEDDED_DDAD, '--work-dir', str(work),
        *ddad_options(teacher_checkpoint,
                      'optim_wrapper.generator.optimizer.lr=1e9',
                      'model.replay=None', 'train_cfg.max_iters=8',
                      'train_cfg.val_interval=1',
                      'default_hooks.checkpoint.interval=1',
                      'val_dataloader.dataset.indices=10'), check=False))
    assert 'the generator term loss_' in line and 'has stayed at' in line
    assert 'optim_wrapper.generator.optimizer.lr' in line
    assert not osp.isfile(work / 'iter_8.pth')  # stopped before the end


class _Runner(SimpleNamespace):
    """What the guard reads of a runner, at one validation."""


def test_collapse_guard_keeps_the_last_checkpoint_better_than_chance(
        tmp_path):
    from mmengine.logging import MessageHub
    from mmddad.engine.hooks import CollapseGuardHook, TrainingCollapseError
    guard = CollapseGuardHook()
    runner = _Runner(
        work_dir=str(tmp_path), epoch=0, model=nn.Linear(1, 1),
        message_hub=MessageHub.get_instance('collapse_guard_test'),
        val_evaluator=SimpleNamespace(
            dataset_meta=dict(classes=[str(i) for i in range(10)])))

    def validate(iteration: int, score: float) -> None:
        runner.iter = iteration
        ckpt = tmp_path / f'iter_{iteration}.pth'
        ckpt.write_bytes(f'weights of {iteration}'.encode())
        (tmp_path / 'last_checkpoint').write_text(str(ckpt))
        guard.after_val_epoch(runner, {'accuracy/top1': score})

    validate(100, 60.0)
    validate(200, 90.0)
    os.remove(tmp_path / 'iter_100.pth')  # rotation (max_keep_ckpts=2)
    validate(300, 20.0)  # worse, but better than chance: kept
    os.remove(tmp_path / 'iter_200.pth')
    validate(400, 10.4)  # one validation at chance: not yet a collapse
    os.remove(tmp_path / 'iter_300.pth')
    with pytest.raises(TrainingCollapseError) as info:
        validate(500, 10.2)
    message = str(info.value)
    assert 'fell to 10.20 (chance for 10 classes is 10.00) for 2 ' \
        'validations, after 90.00 at iteration 200' in message
    assert 'last_above_chance.pth" (iteration 300)' in message
    assert 'load_from=' in message
    # rotation deleted iter_300.pth; its weights are kept
    assert (tmp_path / 'last_above_chance.pth').read_bytes() == \
        b'weights of 300'


def test_collapse_guard_names_a_checkpoint_from_before_a_frozen_generator(
        tmp_path):
    from mmengine.logging import MessageHub
    from mmddad.engine.hooks import CollapseGuardHook, TrainingCollapseError
    guard = CollapseGuardHook(patience=2)
    model = nn.Linear(1, 1)
    model.generator_steps, model.generator_losses = 1, dict(loss_bn=None)
    hub = MessageHub.get_instance('collapse_guard_frozen_test')
    runner = _Runner(
        work_dir=str(tmp_path), epoch=0, model=model, message_hub=hub,
        val_evaluator=SimpleNamespace(
            dataset_meta=dict(classes=[str(i) for i in range(10)])))

    def validate(iteration: int, loss_bn: float) -> None:
        runner.iter = iteration
        hub.update_scalar('train/loss_bn', loss_bn)
        ckpt = tmp_path / f'iter_{iteration}.pth'
        ckpt.write_bytes(f'weights of {iteration}'.encode())
        (tmp_path / 'last_checkpoint').write_text(str(ckpt))
        guard.after_val_epoch(runner, {'accuracy/top1': 80.0})

    validate(100, 50.0)
    validate(200, 42.0)
    validate(300, 801.0)  # frozen from here on; the student still looks fine
    validate(400, 801.0)
    with pytest.raises(TrainingCollapseError) as info:
        validate(500, 801.0)
    message = str(info.value)
    assert 'the generator term loss_bn has stayed at 801 for 3' in message
    # the last checkpoint from before the freeze, not the collapsed ones
    assert 'last_above_chance.pth" (iteration 200)' in message
    assert (tmp_path / 'last_above_chance.pth').read_bytes() == \
        b'weights of 200'


# ------------------------------------- 5. resume and new option values
def test_resume_says_which_new_values_the_checkpoint_overrides(
        tmp_path, ddad_run, teacher_checkpoint):
    work = copy_run(ddad_run, tmp_path)
    proc = run_tool(
        osp.join(TOOLS, 'train.py'), EMBEDDED_DDAD, '--work-dir', work,
        '--resume', osp.join(work, 'iter_2.pth'),
        *ddad_options(teacher_checkpoint,
                      'optim_wrapper.generator.optimizer.lr=0.5',
                      'optim_wrapper.student.optimizer.lr=0.1',
                      'train_cfg.max_iters=3', 'train_cfg.val_interval=5'))
    log = proc.stdout + proc.stderr
    assert ('--cfg-options optim_wrapper.generator.optimizer.lr=0.5 is not '
            'applied: the optimiser state resumed from the checkpoint keeps '
            'lr=0.001') in log
    assert ('--cfg-options train_cfg.max_iters=3 sets where the run ends, but'
            ' the learning-rate milestones') in log
    # the student's rate is the checkpoint's own: nothing to say
    assert 'optim_wrapper.student.optimizer.lr=0.1 is not' not in log
    assert osp.isfile(osp.join(work, 'iter_3.pth'))


# ----------------------------------------------- 6. one-line errors
def test_a_config_syntax_error_names_the_file_and_line(tmp_path):
    bad = tmp_path / 'bad_config.py'
    bad.write_text("model = dict(\n    type='DDAD',,\n)\n")
    line = error_line(run_tool(osp.join(TOOLS, 'train.py'), str(bad),
                               check=False))
    assert 'bad_config.py' in line and 'line 2' in line
    assert '<unknown>' not in line


def test_a_text_file_given_as_a_checkpoint_is_named(tmp_path):
    notes = tmp_path / 'notes.pth'
    notes.write_text('these are not weights\n')
    line = error_line(run_tool(osp.join(TOOLS, 'test.py'), STUDENT_RECIPE,
                               str(notes), check=False))
    assert 'notes.pth" cannot be read as a PyTorch checkpoint' in line


def test_resume_from_weights_only_or_another_student_is_refused(
        tmp_path, ddad_run, teacher_checkpoint):
    work = copy_run(ddad_run, tmp_path)
    config_copy = osp.join(work, osp.basename(EMBEDDED_DDAD))
    with open(config_copy, 'rb') as f:
        before = f.read()
    student = str(tmp_path / 'student.pth')
    run_tool(osp.join(TOOLS, 'export_student.py'),
             osp.join(work, 'iter_2.pth'), student)

    def resume(source, *extra):
        return run_tool(osp.join(TOOLS, 'train.py'), EMBEDDED_DDAD,
                        '--work-dir', work, '--resume', source,
                        *ddad_options(teacher_checkpoint, *extra),
                        check=False)

    line = error_line(resume(student))
    assert 'not a training state to resume' in line
    # load_from would find none of the model's keys in it: the hint is the
    # option that takes an exported student, and it works
    hint = f'--cfg-options model.student.checkpoint={student} (without ' \
        '--resume)'
    assert 'an exported student' in line and hint in line
    assert 'load_from=' not in line
    new_run = str(tmp_path / 'from_student')
    run_tool(osp.join(TOOLS, 'train.py'), EMBEDDED_DDAD, '--work-dir',
             new_run, *ddad_options(teacher_checkpoint,
                                    f'model.student.checkpoint={student}',
                                    'train_cfg.max_iters=1',
                                    'train_cfg.val_interval=5'))
    assert osp.isfile(osp.join(new_run, 'iter_1.pth'))
    line = error_line(resume(teacher_checkpoint))
    assert 'not a training state to resume' in line
    assert 'load_from=' not in line  # the teacher fits neither
    line = error_line(resume(osp.join(work, 'iter_2.pth'),
                             'model.student.backbone.base_channels=16',
                             'model.student.backbone.stem_channels=16',
                             'model.student.head.in_channels=128'))
    assert 'does not fit' in line and 'keys of another shape' in line
    assert 'student.backbone' in line
    # the failed start-ups left the run's config copy as it was
    with open(config_copy, 'rb') as f:
        assert f.read() == before


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


# --------------------------------------- 7. wasted or misleading
def test_distill_checks_the_teacher_checkpoint_before_training(tmp_path):
    distill = osp.join(TOOLS, 'distill.py')
    missing = str(tmp_path / 'teacher' / 'epoch_12.pth')
    line = error_line(run_tool(
        distill, EMBEDDED_DDAD, '--work-dir', str(tmp_path / 'w'),
        '--cfg-options', f'model.teacher.checkpoint={missing}', check=False))
    assert '`model.teacher.checkpoint`' in line and missing in line
    assert 'tools/train.py' in line and '--train-teacher' in line
    # --train-teacher, but the recipe would write another file
    other = str(tmp_path / 'teacher' / 'epoch_5.pth')
    line = error_line(run_tool(
        distill, EMBEDDED_DDAD, '--work-dir', str(tmp_path / 'w'),
        '--train-teacher', '--cfg-options',
        f'model.teacher.checkpoint={other}', check=False))
    assert 'would write' in line and 'epoch_12.pth' in line
    assert not osp.exists(tmp_path / 'teacher')  # nothing was trained
    assert not osp.exists(tmp_path / 'w')


def test_a_nan_before_any_checkpoint_says_there_is_none(tmp_path):
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


def test_a_generator_size_other_than_the_teachers_is_a_warning(
        teacher_checkpoint):
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmddad.registry import MODELS
    init_default_scope('mmddad')
    cfg = Config.fromfile(EMBEDDED_DDAD)
    cfg.model.teacher.checkpoint = teacher_checkpoint
    cfg.model.generator.base_channels = 16
    cfg.model.replay = None
    cfg.model.generator.out_size = 48
    with pytest.warns(UserWarning, match='(?s)48x48.*32x32'):
        MODELS.build(cfg.model)
