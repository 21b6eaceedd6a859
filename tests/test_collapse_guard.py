# Copyright (c) mmddad contributors. All rights reserved.
"""The collapse guard (``CollapseGuardHook``): a student back at chance or a
frozen generator stops the run, with validation and without, and
``--resume`` and ``load_from`` are pointed at the last good checkpoint."""
import glob
import logging
import os
import os.path as osp
from types import SimpleNamespace

import pytest
import torch.nn as nn

from .conftest import reported_error, run_log, train_ddad


def test_collapse_guard_stops_a_frozen_generator(tmp_path,
                                                 teacher_checkpoint):
    """``tools/train.py``'s run, through its API call."""
    work = tmp_path / 'collapse'
    line = reported_error(
        train_ddad, str(work), teacher_checkpoint,
        'optim_wrapper.generator.optimizer.lr=1e9', 'model.replay=None',
        'train_cfg.max_iters=8', 'train_cfg.val_interval=1',
        'default_hooks.checkpoint.interval=1',
        'val_dataloader.dataset.indices=10')
    assert 'the generator term loss_' in line and 'has stayed at' in line
    assert 'optim_wrapper.generator.optimizer.lr' in line
    assert not osp.isfile(work / 'iter_8.pth')  # stopped before the end


def test_collapse_guard_stops_a_frozen_generator_without_validation(
        tmp_path, teacher_checkpoint):
    """``tools/train.py --no-validate``'s run, through its API call."""
    work = tmp_path / 'collapse'
    line = reported_error(
        train_ddad, str(work), teacher_checkpoint,
        'optim_wrapper.generator.optimizer.lr=1e9', 'model.replay=None',
        'train_cfg.max_iters=10', 'default_hooks.checkpoint.interval=1',
        validate=False)
    assert 'CollapseGuardHook: validation is off' in run_log(str(work))
    assert 'the generator term loss_' in line and 'has stayed at' in line
    assert 'validation is off' in line
    assert not osp.isfile(work / 'iter_10.pth')  # stopped before the end
    # the generator froze in its first steps: every checkpoint kept holds
    # it, and last_checkpoint names none of them
    assert 'checks in a row (iterations ' in line
    assert '`last_checkpoint` was removed' in line
    assert osp.isfile(work / 'iter_3.pth')  # kept for inspection
    assert not (work / 'last_checkpoint').exists()
    assert not glob.glob(str(work / '.above_chance_iter_*'))


class _Runner(SimpleNamespace):
    """What the guard reads of a runner."""


def _guard_runner(tmp_path, name: str, model: nn.Module) -> _Runner:
    from mmengine.logging import MessageHub
    return _Runner(
        work_dir=str(tmp_path), epoch=0, iter=0, model=model, hooks=[],
        val_loop=None, logger=logging.getLogger(name),
        message_hub=MessageHub.get_instance(name),
        val_evaluator=SimpleNamespace(
            dataset_meta=dict(classes=[str(i) for i in range(10)])))


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


def test_collapse_guard_checks_between_validations_and_repoints_resume(
        tmp_path):
    from mmddad.engine.hooks import CollapseGuardHook, TrainingCollapseError
    guard = CollapseGuardHook(interval=10)
    model = nn.Linear(1, 1)
    model.generator_steps, model.generator_losses = 1, dict(loss_bn=None)
    runner = _guard_runner(tmp_path, 'collapse_guard_between_test', model)
    guard.before_train(runner)  # validation off

    def train(iteration: int, loss_bn: float) -> None:
        runner.iter = iteration - 1  # as MMEngine counts in after_train_iter
        runner.message_hub.update_scalar('train/loss_bn', loss_bn)
        guard.after_train_iter(runner, iteration - 1)
        ckpt = tmp_path / f'iter_{iteration}.pth'  # then the checkpoint
        ckpt.write_bytes(f'weights of {iteration}'.encode())
        (tmp_path / 'last_checkpoint').write_text(str(ckpt))

    for iteration in range(1, 50):  # a healthy generator
        train(iteration, 100.0 - iteration)
    with pytest.raises(TrainingCollapseError) as info:
        for iteration in range(50, 100):  # frozen from iteration 50 on
            train(iteration, 801.0)
    message = str(info.value)
    assert iteration == 70  # three checks: 50, 60, 70
    assert 'loss_bn has stayed at 801 for 3 checks in a row (iterations 50 ' \
        'to 70)' in message and 'validation is off' in message
    # the generator saved at 49 made the first frozen value: 48 is the last
    # checkpoint known from before
    last = (tmp_path / 'last_checkpoint').read_text()
    assert last == str(tmp_path / 'iter_48.pth')
    assert 'iter_48.pth" (iteration 48)' in message
    assert osp.isfile(tmp_path / 'iter_69.pth')  # kept for inspection


def test_collapse_guard_removes_its_hidden_links_when_the_run_ends(
        tmp_path):
    from mmddad.engine.hooks import CollapseGuardHook
    guard = CollapseGuardHook()
    runner = _guard_runner(tmp_path, 'collapse_guard_links_test',
                           nn.Linear(1, 1))
    stale = tmp_path / '.above_chance_iter_7.pth'  # a killed run's
    stale.write_bytes(b'old')
    guard.before_train(runner)
    assert not stale.exists()
    for iteration in (100, 200, 300, 400):
        runner.iter = iteration
        ckpt = tmp_path / f'iter_{iteration}.pth'
        ckpt.write_bytes(f'weights of {iteration}'.encode())
        (tmp_path / 'last_checkpoint').write_text(str(ckpt))
        guard.after_val_epoch(runner, {'accuracy/top1': 90.0})
        links = glob.glob(str(tmp_path / '.above_chance_iter_*'))
        assert len(links) <= 2  # this checkpoint and the one before
    guard.after_run(runner)
    assert not glob.glob(str(tmp_path / '.above_chance_iter_*'))


def test_collapse_guard_points_resume_at_the_last_good_checkpoint(tmp_path):
    from mmddad.engine.hooks import CollapseGuardHook, TrainingCollapseError
    guard = CollapseGuardHook()
    runner = _guard_runner(tmp_path, 'collapse_guard_chance_test',
                           nn.Linear(1, 1))
    with pytest.raises(TrainingCollapseError) as info:
        for iteration, score in ((100, 90.0), (200, 10.1), (300, 10.0)):
            runner.iter = iteration
            ckpt = tmp_path / f'iter_{iteration}.pth'
            ckpt.write_bytes(f'weights of {iteration}'.encode())
            (tmp_path / 'last_checkpoint').write_text(str(ckpt))
            guard.after_val_epoch(runner, {'accuracy/top1': score})
    good = tmp_path / 'last_above_chance.pth'
    assert good.read_bytes() == b'weights of 100'
    # iter_200.pth was validated at chance: not offered to --resume
    assert (tmp_path / 'last_checkpoint').read_text() == str(good)
    assert 'last_checkpoint` now names' in str(info.value)
