# Copyright (c) mmddad contributors. All rights reserved.
"""A checkpoint that does not fit its model, or cannot be read, is named as
such before anything runs: no metric of weights that were not loaded, no
training from a file of another model, no export of a student that is not
there. (Code-running pickles: ``tests/test_safe_checkpoint.py``; resuming:
``tests/test_resume.py``.)"""
import os.path as osp

import pytest
import torch

from .conftest import (EMBEDDED_DDAD, STUDENT_RECIPE, TEACHER_RECIPE,
                       reported_error, tool_config, train_ddad)


def test_test_tool_refuses_the_weights_of_another_model(
        ddad_run, teacher_checkpoint, tmp_path):
    from mmddad.apis import evaluate_checkpoint
    from mmddad.utils import CheckpointMismatchError

    def evaluate(checkpoint, **kwargs):
        cfg = tool_config(STUDENT_RECIPE, 'test_dataloader.dataset.indices=20')
        cfg.work_dir = str(tmp_path)
        with pytest.raises(CheckpointMismatchError) as info:
            evaluate_checkpoint(cfg, checkpoint, **kwargs)
        return str(info.value)

    # the teacher's checkpoint against the student's config
    line = evaluate(teacher_checkpoint)
    assert 'does not fit the model of' in line
    assert 'keys of another shape' in line and 'backbone.' in line
    # a distillation run's checkpoint where the exported student belongs
    ckpt = osp.join(ddad_run, 'iter_2.pth')
    for partial in (False, True):  # nothing matches: no opt-out
        line = evaluate(ckpt, partial_load=partial)
        assert 'a distillation run (student and generator)' in line
        assert 'export_student.py' in line


def test_load_from_warns_with_the_missing_count_and_stops_on_no_match(
        tmp_path, ddad_run, teacher_checkpoint):
    """``tools/train.py``'s runs, through its API call."""
    # nothing of the model in the file: an error before training
    line = reported_error(train_ddad, str(tmp_path / 'a'), teacher_checkpoint,
                          f'load_from={teacher_checkpoint}')
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
    with pytest.warns(UserWarning, match="of the model's keys missing: "
                      'generator.'):
        train_ddad(str(tmp_path / 'b'), teacher_checkpoint,
                   f'load_from={partial}', 'train_cfg.max_iters=1',
                   'train_cfg.val_interval=5')
    assert osp.isfile(tmp_path / 'b' / 'iter_1.pth')


def test_export_checks_the_student_against_its_config(
        tmp_path, ddad_run, teacher_checkpoint):
    from mmddad.apis import export_student
    from mmddad.utils import CheckpointMismatchError
    out = str(tmp_path / 's.pth')
    # a teacher's checkpoint holds no student: say what it holds
    with pytest.raises(KeyError) as info:
        export_student(teacher_checkpoint, out=out)
    assert 'holds no `student.*` weights' in str(info.value)
    assert 'model weights (backbone, head) without training state' in str(
        info.value)
    # a config whose student is another architecture
    other = tmp_path / 'wider_student.py'
    other.write_text(f"_base_ = ['{EMBEDDED_DDAD}']\n"
                     "model = dict(student=dict(backbone=dict("
                     "stem_channels=16, base_channels=16), "
                     "head=dict(in_channels=128)))\n")
    ckpt = osp.join(ddad_run, 'iter_2.pth')
    with pytest.raises(CheckpointMismatchError,
                       match='does not fit the student of its config'):
        export_student(ckpt, str(other), out=out)
    assert not osp.exists(out)
    # the run's own config (saved in the checkpoint): exported
    export_student(ckpt, out=out)
    assert osp.isfile(out)
    # an existing file is replaced only with force
    with pytest.raises(FileExistsError, match='--force'):
        export_student(ckpt, out=out)
    export_student(ckpt, out=out, force=True)
    with pytest.raises(FileNotFoundError, match='nope.pth" does not exist'):
        export_student(str(tmp_path / 'nope.pth'))


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


def test_a_text_file_given_as_a_checkpoint_is_named(tmp_path):
    """``tools/test.py``'s error, through its API call."""
    from mmddad.apis import evaluate_checkpoint
    notes = tmp_path / 'notes.pth'
    notes.write_text('these are not weights\n')
    cfg = tool_config(STUDENT_RECIPE)
    cfg.work_dir = str(tmp_path / 'w')
    line = reported_error(evaluate_checkpoint, cfg, str(notes))
    assert 'notes.pth" cannot be read as a PyTorch checkpoint' in line
