# Copyright (c) mmddad contributors. All rights reserved.
import copy

import pytest
import torch
from mmengine.optim import OptimWrapper, OptimWrapperDict

from mmddad.models import DDAD
from mmddad.registry import MODELS
from .conftest import STUDENT_RECIPE, TEACHER_RECIPE

BATCH = 8


def make_ddad(teacher_checkpoint, **overrides) -> DDAD:
    cfg = dict(
        type='DDAD',
        teacher=dict(cfg_path=TEACHER_RECIPE, checkpoint=teacher_checkpoint),
        student=dict(cfg_path=STUDENT_RECIPE),
        generator=dict(
            type='DCGANGenerator', latent_dim=16, out_size=32,
            out_channels=1, base_channels=16),
        lambda_bn=1.0,
        lambda_adv=1.0,
        student_steps=1,
        generator_steps=1)
    cfg.update(overrides)
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def make_optim(model: DDAD, student_lr=0.01, generator_lr=1e-3):
    # plain gradient steps: small enough, they must move a loss the way
    # its gradient says (first order)
    wrappers = dict(
        student=OptimWrapper(
            torch.optim.SGD(model.student.parameters(), lr=student_lr)))
    if any(p.requires_grad for p in model.generator.parameters()):
        wrappers['generator'] = OptimWrapper(
            torch.optim.SGD(model.generator.parameters(), lr=generator_lr))
    return OptimWrapperDict(**wrappers)


def batch(seed=0):
    rng = torch.Generator()
    rng.manual_seed(seed)
    return dict(batch_size=BATCH, rng=rng)


def discrepancy_and_bn(model: DDAD, seed=0):
    """d(T(x), S(x)) and the BN loss on the latents that seed draws."""
    z = model.sample_latents(BATCH, batch(seed)['rng'])
    with torch.no_grad():
        x = model.generator(z)
        with model.bn_loss.recording():
            t = model.adapter.logits(model.teacher, x)
        s = model.adapter.logits(model.student, x)
        return model.discrepancy(s, t).item(), model.bn_loss().item()


def test_student_step_lowers_the_discrepancy(teacher_checkpoint):
    model = make_ddad(teacher_checkpoint, lambda_bn=0.0)
    model.train()
    optim = make_optim(model, student_lr=0.05)
    before, _ = discrepancy_and_bn(model, seed=3)
    logs = model._student_step(batch(3), optim['student'])
    after, _ = discrepancy_and_bn(model, seed=3)
    assert after < before
    assert logs['loss_student'].item() == pytest.approx(before, rel=1e-4)


def test_generator_step_raises_the_discrepancy(teacher_checkpoint):
    model = make_ddad(teacher_checkpoint, lambda_bn=0.0)
    model.train()
    optim = make_optim(model, generator_lr=1e-2)
    student_before = copy.deepcopy(model.student.state_dict())
    before, _ = discrepancy_and_bn(model, seed=5)
    model._generator_step(batch(5), optim['generator'])
    after, _ = discrepancy_and_bn(model, seed=5)
    assert after > before
    # the student was not touched and received no gradient
    for k, v in model.student.state_dict().items():
        if 'running' not in k and 'num_batches' not in k:
            assert torch.equal(v, student_before[k]), k
    assert all(p.grad is None for p in model.student.parameters())


def test_generator_step_lowers_the_bn_loss(teacher_checkpoint):
    model = make_ddad(teacher_checkpoint, lambda_adv=0.0)
    model.train()
    optim = make_optim(model, generator_lr=1e-2)
    _, before = discrepancy_and_bn(model, seed=7)
    logs = model._generator_step(batch(7), optim['generator'])
    _, after = discrepancy_and_bn(model, seed=7)
    assert after < before
    assert 'loss_adv' not in logs  # no wasted student forward


def test_train_step_keeps_the_teacher_bit_identical(teacher_checkpoint):
    model = make_ddad(teacher_checkpoint, student_steps=2)
    model.train()
    assert not model.teacher.training
    teacher_before = copy.deepcopy(model.teacher.state_dict())
    optim = make_optim(model)
    for seed in range(2):
        logs = model.train_step(batch(seed), optim)
    assert set(logs) == {
        'loss_student', 'loss_bn', 'loss_adv', 'loss_generator'
    }
    assert all(torch.isfinite(v) for v in logs.values())
    for k, v in model.teacher.state_dict().items():
        assert torch.equal(v, teacher_before[k]), k
    assert not any(p.requires_grad for p in model.teacher.parameters())


def test_checkpoint_state_leaves_the_teacher_out(teacher_checkpoint):
    model = make_ddad(teacher_checkpoint)
    state = model.state_dict()
    assert not any(k.startswith('teacher.') for k in state)
    assert any(k.startswith('student.') for k in state)
    other = make_ddad(teacher_checkpoint)
    torch.nn.init.constant_(other.student.head.fc.weight, 0.5)
    missing, unexpected = other.load_state_dict(state, strict=True)
    assert torch.equal(other.student.head.fc.weight,
                       model.student.head.fc.weight)


def test_bn_hooks_are_removed(teacher_checkpoint):
    model = make_ddad(teacher_checkpoint)
    assert model.bn_loss.num_layers > 10
    model.bn_loss.detach()
    assert all(not m._forward_hooks for m in model.teacher.modules())


def test_schedule_order_is_configurable(teacher_checkpoint):
    model = make_ddad(
        teacher_checkpoint, student_steps=3, generator_steps=1,
        generator_first=True)
    assert model.schedule == ['generator', 'student', 'student', 'student']


def test_predict_uses_the_student(teacher_checkpoint):
    model = make_ddad(teacher_checkpoint).eval()
    x = torch.randn(2, 1, 32, 32)
    assert torch.equal(model(x), model.student(x, mode='tensor'))


@pytest.mark.parametrize('overrides,match', [
    (dict(lambda_bn=-1.0), 'model.lambda_bn'),
    (dict(student_steps=0), 'model.student_steps'),
    (dict(adversarial_form='square'), 'adversarial_form'),
    (dict(lambda_bn=0.0, lambda_adv=0.0), 'generator_steps=0'),
    (dict(generator=dict(type='DCGANGenerator', latent_dim=8, out_size=32,
                         out_channels=3)), 'model.generator.out_size'),
    (dict(student=dict(cfg_path=STUDENT_RECIPE, head=dict(num_classes=7))),
     'num_classes'),
])
def test_bad_settings_are_named(teacher_checkpoint, overrides, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make_ddad(teacher_checkpoint, **overrides)


def test_teacher_without_batchnorm(tmp_path):
    lenet = dict(
        type='ImageClassifier',
        _scope_='mmpretrain',
        backbone=dict(type='LeNet5', num_classes=10),
        head=dict(type='ClsHead'))
    with pytest.raises(ValueError, match='no BatchNorm.*lambda_bn=0'):
        make_ddad(None, teacher=lenet)
    model = make_ddad(None, teacher=lenet, lambda_bn=0.0)  # DFAD works
    model.train()
    logs = model.train_step(batch(), make_optim(model))
    assert 'loss_bn' not in logs


def test_missing_teacher_checkpoint_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='model.teacher.checkpoint'):
        make_ddad(str(tmp_path / 'missing.pth'))


def test_teacher_checkpoint_that_does_not_fit(tmp_path, teacher_checkpoint):
    state = torch.load(teacher_checkpoint)['state_dict']
    state = {k: v for k, v in state.items() if 'layer4' not in k}
    path = str(tmp_path / 'partial.pth')
    torch.save(dict(state_dict=state), path)
    with pytest.raises(RuntimeError, match='(?s)does not fit.*layer4'):
        make_ddad(path)
