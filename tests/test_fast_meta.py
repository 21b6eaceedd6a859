# Copyright (c) mmddad contributors. All rights reserved.
"""Fast-Datafree's meta synthesis with DDAD's discriminators: a second
method built on the distiller's public seams."""
import copy
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from mmddad.models import FastMetaDDAD
from .conftest import CONFIGS, one_step_runner
from .test_ddad import batch, make_ddad, make_optim

FAST = sorted(glob.glob(osp.join(CONFIGS, 'fast_meta', '*.py')))


def make_fast(teacher_checkpoint, **overrides) -> FastMetaDDAD:
    options = dict(type='FastMetaDDAD', synthesis_steps=3,
                   replay=dict(capacity=32),
                   augment=dict(type='SyntheticAugmentation', padding=2))
    options.update(overrides)
    return make_ddad(teacher_checkpoint, **options)


def test_a_synthesis_meta_updates_the_generator_and_fills_the_pool(
        teacher_checkpoint):
    model = make_fast(teacher_checkpoint)
    optim = make_optim(model, generator_lr=1e-2)
    before = copy.deepcopy(model.generator.state_dict())
    logs = model.train_generator(batch(1), optim['generator'])
    assert {'loss_bn', 'loss_adv', 'loss_generator'} == set(logs)
    assert len(model.replay) == 8  # the best of the 3 inner batches
    after = model.generator.state_dict()
    moved = [k for k in before if not torch.equal(before[k], after[k])]
    # the meta step moved the weights, the copy's BN statistics came back
    assert any(k.endswith('weight') for k in moved)
    assert any('running_mean' in k for k in moved)
    # the student was not touched, and its steps read the pool
    student = copy.deepcopy(model.student.state_dict())
    assert all(
        torch.equal(v, student[k])
        for k, v in model.student.state_dict().items())
    added = int(model.replay.num_added)
    model.train_student(batch(2), optim['student'])
    assert int(model.replay.num_added) == added  # replayed, none generated


def test_fast_terms_read_the_drawn_targets(teacher_checkpoint):
    model = make_fast(
        teacher_checkpoint, random_targets=True,
        generator_losses=dict(
            loss_oh=dict(type='RandomTargetCrossEntropyLoss'),
            loss_adv=dict(type='AgreementMaskedKLLoss')))
    logs = model.train_generator(batch(0), make_optim(model)['generator'])
    assert logs['loss_oh'] > 0 and logs['loss_adv'] <= 0
    # the same term in plain DDAD has no targets: a clear error
    ddad = make_ddad(teacher_checkpoint, generator_losses=dict(
        loss_oh=dict(type='RandomTargetCrossEntropyLoss')))
    with pytest.raises(RuntimeError, match='random_targets'):
        ddad.train_generator(batch(0), make_optim(ddad)['generator'])


def test_fast_needs_its_pool(teacher_checkpoint):
    with pytest.raises(ValueError, match='model.replay'):
        make_fast(teacher_checkpoint, replay=None)
    with pytest.raises(ValueError, match='model.synthesis_steps'):
        make_fast(teacher_checkpoint, synthesis_steps=0)


def test_every_fast_config_parses_as_a_child_of_a_ddad_config():
    assert len(FAST) == 10
    for path in FAST:
        cfg = Config.fromfile(path)
        assert cfg.model.type == 'FastMetaDDAD', path
        assert cfg.model.replay is not None, path
        assert set(cfg.train_dataloader) == {'batch_size'}, path
        if 'mnist' in path and cfg.model.augment is not None:
            # a mirrored digit is another class: never flipped
            assert cfg.model.augment.flip_prob == 0, path


@pytest.mark.parametrize(
    'name', ['fast-ddad_resnet34_resnet18_cifar10.py',
             'fast_resnet34_resnet18_cifar100.py',
             'fast_resnet18-w16_resnet18-w8_mnist5k.py'])
def test_fast_configs_build_and_step(name, tmp_path):
    cfg = Config.fromfile(osp.join(CONFIGS, 'fast_meta', name))
    cfg.model.replay.capacity = 8
    runner = one_step_runner(cfg, str(tmp_path), 4)
    runner.train()
    assert runner.iter == 1
    assert torch.isfinite(torch.tensor(
        runner.message_hub.get_scalar('train/loss_generator').current()))


@pytest.mark.smoke
def test_embedded_fast_config_trains_validates_and_resumes(
        teacher_checkpoint, tmp_path):
    """Two iterations of the shipped MNIST-5k Fast-DDAD config, then a
    resume to a third: the pool and the meta generator come back."""
    config = osp.join(CONFIGS, 'fast_meta',
                      'fast-ddad_resnet18-w16_resnet18-w8_mnist5k.py')

    def build(max_iters):
        cfg = Config.fromfile(config)
        cfg.work_dir = str(tmp_path)
        cfg.model.teacher.checkpoint = teacher_checkpoint
        cfg.train_dataloader.batch_size = 8
        cfg.model.student_steps = 2
        cfg.train_cfg.max_iters = max_iters
        cfg.train_cfg.val_interval = 2
        cfg.val_dataloader.dataset.indices = 40
        cfg.test_dataloader.dataset.indices = 40
        cfg.default_hooks.checkpoint.interval = 2
        return cfg

    runner = Runner.from_cfg(build(2))
    runner.train()
    assert 'val/accuracy/top1' in runner.message_hub.log_scalars
    pool = int(runner.model.replay.num_added)
    assert pool > 0
    cfg = build(3)
    cfg.resume = True
    resumed = Runner.from_cfg(cfg)
    resumed.train()
    assert resumed.iter == 3
    assert int(resumed.model.replay.num_added) > pool
