# Copyright (c) mmddad contributors. All rights reserved.
"""The extension seams: a base class with public steps, student terms, a
replay policy module and augmentation of synthetic images."""
import glob
import os.path as osp

import pytest
import torch

from mmddad.models import (BaseDataFreeDistiller, BaseLossTerm, DDAD,
                           SyntheticAugmentation, SyntheticReplay)
from mmddad.registry import MODELS
from .conftest import REPO_ROOT
from .test_ddad import batch, make_ddad, make_optim


def test_ddad_is_a_distiller_with_public_steps(teacher_checkpoint):
    model = make_ddad(teacher_checkpoint)
    assert isinstance(model, BaseDataFreeDistiller)
    optim = make_optim(model)
    student_logs = model.train_student(batch(1), optim['student'])
    generator_logs = model.train_generator(batch(2), optim['generator'])
    assert set(student_logs) == {'loss_student'}
    assert {'loss_bn', 'loss_adv', 'loss_generator'} == set(generator_logs)
    setup = model.describe()
    assert setup['schedule'] == ['student', 'generator']
    assert setup['student_losses'] == ['loss_student']
    assert setup['replay'] is None and setup['augment'] is None
    with pytest.raises(TypeError, match='abstract'):
        BaseDataFreeDistiller(
            teacher=model.teacher, student=None, generator=None)


def test_tools_and_hooks_use_only_the_public_api():
    sources = glob.glob(osp.join(REPO_ROOT, 'tools', '*.py')) + glob.glob(
        osp.join(REPO_ROOT, 'mmddad', 'engine', '**', '*.py'),
        recursive=True)
    for path in sources:
        text = open(path).read()
        for private in ('replay_ratio', '_student_step', '_generator_step',
                        '_student_inputs', 'algorithm.replay.',
                        'algorithm.student_steps'):
            assert private not in text, (path, private)


def test_student_losses_are_terms_like_the_generators(teacher_checkpoint):
    """The default student term is the discrepancy the adversarial term
    reads; more terms add up and are logged by name."""
    model = make_ddad(teacher_checkpoint)
    with torch.no_grad():
        batch_, losses = model.student_objective(4, batch(0)['rng'])
        assert set(losses) == {'loss_student'}
        assert torch.equal(losses['loss_student'], batch_.discrepancy)
    double = make_ddad(
        teacher_checkpoint,
        student_losses=dict(
            loss_student=dict(type='DiscrepancyLoss'),
            loss_extra=dict(type='DiscrepancyLoss', loss_weight=0.5)))
    double.student.load_state_dict(model.student.state_dict())
    double.generator.load_state_dict(model.generator.state_dict())
    with torch.no_grad():
        _, more = double.student_objective(4, batch(0)['rng'])
    assert set(more) == {'loss_student', 'loss_extra'}
    assert float(more['loss_extra']) == pytest.approx(
        0.5 * float(losses['loss_student']))
    logs = double.train_student(batch(3), make_optim(double)['student'])
    assert set(logs) == {'loss_student', 'loss_extra'}
    with pytest.raises(ValueError, match='model.student_losses'):
        make_ddad(
            teacher_checkpoint,
            student_losses=dict(loss_student=dict(
                type='DiscrepancyLoss', loss_weight=0)))


@MODELS.register_module()
class _FreshEveryOtherBatch(SyntheticReplay):
    """A policy with another share rule: a test of the seam."""

    def draw(self, batch_size, rng):
        return None  # no stored part: the algorithm generates the batch


def test_replay_is_a_configured_policy_module(teacher_checkpoint):
    model = make_ddad(teacher_checkpoint,
                      replay=dict(capacity=16, ratio=0.5))
    assert type(model.replay) is SyntheticReplay
    assert model.describe()['replay']['ratio'] == 0.5
    optim = make_optim(model)
    model.train_student(batch(1), optim['student'])
    assert len(model.replay) == 8  # a fresh batch while cold
    model.train_generator(batch(2), optim['generator'])
    assert len(model.replay) == 16  # what a generator step made
    added = int(model.replay.num_added)
    model.train_student(batch(3), optim['student'])
    assert int(model.replay.num_added) == added + 4  # half replayed
    custom = make_ddad(
        teacher_checkpoint,
        replay=dict(type='_FreshEveryOtherBatch', capacity=16))
    custom.train_student(batch(1), make_optim(custom)['student'])
    assert type(custom.replay).__name__ == '_FreshEveryOtherBatch'
    with pytest.raises(ValueError, match='model.replay.ratio'):
        make_ddad(teacher_checkpoint, replay=dict(capacity=16, ratio=0))


def test_augmentation_crops_and_flips_differentiably():
    aug = SyntheticAugmentation(padding=2, flip_prob=0.5)
    x = torch.arange(2 * 1 * 4 * 4.).view(2, 1, 4, 4).requires_grad_()
    rng = torch.Generator().manual_seed(0)
    dy, dx, flips = aug.draw(2, rng)
    out = aug.transform(x, dy, dx, flips)
    assert out.shape == x.shape
    out.sum().backward()
    assert x.grad is not None and x.grad.sum() > 0
    # by hand: pad 2 with zeros, crop at the offsets, flip if drawn
    padded = torch.nn.functional.pad(x.detach(), (2, 2, 2, 2))
    for i in range(2):
        crop = padded[i, :, dy[i]:dy[i] + 4, dx[i]:dx[i] + 4]
        expected = crop.flip(-1) if flips[i] else crop
        assert torch.equal(out[i].detach(), expected)
    # replicate padding repeats the border (a black background stays black)
    edge = SyntheticAugmentation(padding=2, pad_mode='replicate').transform(
        x.detach()[:1], torch.tensor([0]), torch.tensor([0]),
        torch.tensor([False]))
    assert torch.equal(edge[0, :, :3, :3],
                       x.detach()[0, :, :1, :1].expand(1, 3, 3))
    # nothing to do: the identity
    same = SyntheticAugmentation(padding=0, flip_prob=0.0)
    assert torch.equal(same(x, rng), x)
    with pytest.raises(ValueError, match='model.augment'):
        SyntheticAugmentation(padding=-1)


def test_augmented_student_batch_keeps_teacher_logits_right():
    aug = SyntheticAugmentation(padding=1, flip_prob=1.0)
    images = torch.randn(3, 1, 6, 6)
    per_pixel = images.repeat(1, 2, 1, 1)  # logits that track the pixels
    rng = torch.Generator().manual_seed(0)
    out, logits = aug.student_batch(images, per_pixel, rng)
    inner = (slice(None), slice(None), slice(1, -1), slice(1, -1))
    # away from the border the logit maps moved with the images
    assert torch.equal(logits[:, :1][inner], out[inner])
    image_logits = torch.randn(3, 10)
    _, kept = aug.student_batch(images, image_logits, rng)
    assert torch.equal(kept, image_logits)  # a class label is kept
    relabel = SyntheticAugmentation(padding=1, relabel=True)
    out, fresh = relabel.student_batch(images, image_logits, rng)
    assert fresh is None  # the algorithm runs the teacher on `out`
    assert out.shape == images.shape


def test_ddad_with_augmentation_trains_and_repeats(teacher_checkpoint):
    def run():
        model = make_ddad(
            teacher_checkpoint, replay=dict(capacity=32),
            augment=dict(type='SyntheticAugmentation', padding=4))
        optim = make_optim(model)
        logs = [model.train_step(batch(i), optim) for i in range(3)]
        return model, logs

    model, logs = run()
    _, again = run()
    assert isinstance(model.augment, SyntheticAugmentation)
    for a, b in zip(logs, again):
        assert a.keys() == b.keys()
        assert all(torch.equal(a[k], b[k]) for k in a)
    assert all(torch.isfinite(v).all() for log in logs for v in log.values())


def test_a_new_term_needs_no_edit_of_the_algorithm(teacher_checkpoint):
    @MODELS.register_module(force=True)
    class _StudentL2(BaseLossTerm):

        def loss(self, batch):
            return (batch.student_logits - batch.teacher_logits).pow(2).mean()

    model = make_ddad(teacher_checkpoint,
                      student_losses=dict(loss_l2=dict(type='_StudentL2')))
    logs = model.train_student(batch(0), make_optim(model)['student'])
    assert set(logs) == {'loss_l2', 'loss_student'}
    assert isinstance(model, DDAD)


def test_a_student_term_reading_the_teacher_forward_is_refused_at_build(
        teacher_checkpoint):
    """A student step reuses cached teacher logits: a term that needs the
    teacher's recorded statistics is named at build, not at step 1."""
    with pytest.raises(ValueError,
                       match=r'model\.student_losses\.loss_bn.*generator'):
        make_ddad(teacher_checkpoint, student_losses=dict(
            loss_student=dict(type='DiscrepancyLoss'),
            loss_bn=dict(type='BNStatisticsLoss')))


def test_a_term_key_without_loss_is_refused(teacher_checkpoint):
    """MMEngine's parse_losses sums only keys containing "loss": a term
    under another key would be logged and silently not trained."""
    with pytest.raises(ValueError,
                       match=r'model\.generator_losses\.adv.*"loss"'):
        make_ddad(teacher_checkpoint, generator_losses=dict(
            loss_bn=dict(type='BNStatisticsLoss'),
            adv=dict(type='AdversarialLoss')))


def test_data_free_loop_is_mmengines_loop_with_dynamic_intervals():
    from mmengine.runner import IterBasedTrainLoop

    from mmddad.engine.loops import DataFreeTrainLoop
    loop = DataFreeTrainLoop(object(), dict(batch_size=2), max_iters=100,
                             val_interval=10, dynamic_intervals=[(50, 5)])
    assert isinstance(loop, IterBasedTrainLoop)
    intervals = []
    for it in (10, 48, 49, 60):
        loop._iter = it
        loop._decide_current_val_interval()
        intervals.append(loop.val_interval)
    assert intervals == [10, 10, 5, 5]
    with pytest.raises(ValueError, match='dynamic_intervals.*increase'):
        DataFreeTrainLoop(object(), dict(batch_size=2), 100,
                          dynamic_intervals=[(50, 5), (20, 2)])
    with pytest.raises(ValueError, match=r'dynamic_intervals\[0\]\[1\]'):
        DataFreeTrainLoop(object(), dict(batch_size=2), 100,
                          dynamic_intervals=[(50, 0)])


def test_a_batch_names_the_flag_of_what_was_not_computed(teacher_checkpoint):
    """A generator objective without a `needs_student` term runs no
    student; a term that reads the student's outputs anyway is told which
    flag it lacks."""
    model = make_ddad(teacher_checkpoint,
                      generator_losses=dict(loss_bn=dict(
                          type='BNStatisticsLoss')))
    batch_, _ = model.generator_objective(
        model.sample_latents(2, batch(0)['rng']))
    for name, flag in (('student_logits', 'needs_student'),
                       ('discrepancy', 'needs_student'),
                       ('teacher_features', 'needs_teacher_features')):
        with pytest.raises(RuntimeError, match=flag):
            getattr(batch_, name)
    with pytest.raises(AttributeError):
        batch_.no_such_field
    assert batch_.teacher_logits.shape == (2, 10)
