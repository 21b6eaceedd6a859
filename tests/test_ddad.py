# Copyright (c) mmddad contributors. All rights reserved.
import copy

import numpy as np
import pytest
import torch
from mmengine.optim import OptimWrapper, OptimWrapperDict

from mmddad.models import DDAD, BaseLossTerm, generator_term_gradients
from mmddad.registry import MODELS
from .conftest import STUDENT_RECIPE, TEACHER_RECIPE

BATCH = 8


def terms(bn: float = 1.0, adv: float = 1.0, **extra) -> dict:
    """``model.generator_losses`` with DDAD's two terms at these weights."""
    return dict(
        loss_bn=dict(type='BNStatisticsLoss', loss_weight=bn),
        loss_adv=dict(type='AdversarialLoss', loss_weight=adv),
        **extra)


def make_ddad(teacher_checkpoint, **overrides) -> DDAD:
    cfg = dict(
        type='DDAD',
        teacher=dict(cfg_path=TEACHER_RECIPE, checkpoint=teacher_checkpoint),
        student=dict(cfg_path=STUDENT_RECIPE),
        generator=dict(
            type='DCGANGenerator', latent_dim=16, out_size=32,
            out_channels=1, base_channels=16),
        generator_losses=terms(),
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
    """d(T(x), S(x)) and the unweighted BN loss on the latents that seed
    draws (the BN term is hooked here when the model has none)."""
    from mmddad.models import BNStatisticsLoss
    bn_loss = model.generator_losses['loss_bn'] \
        if 'loss_bn' in model.generator_losses else BNStatisticsLoss()
    if bn_loss.num_layers == 0:
        bn_loss.attach(model.teacher)
    z = model.sample_latents(BATCH, batch(seed)['rng'])
    with torch.no_grad(), bn_loss.recording():
        synthetic = model.synthesize(z, with_student=True)
    return synthetic.discrepancy.item(), bn_loss.loss().item()


def test_student_step_lowers_the_discrepancy(teacher_checkpoint):
    model = make_ddad(teacher_checkpoint, generator_losses=terms(bn=0.0))
    model.train()
    optim = make_optim(model, student_lr=0.05)
    before, _ = discrepancy_and_bn(model, seed=3)
    logs = model.train_student(batch(3), optim['student'])
    after, _ = discrepancy_and_bn(model, seed=3)
    assert after < before
    assert logs['loss_student'].item() == pytest.approx(before, rel=1e-4)


def test_generator_step_raises_the_discrepancy(teacher_checkpoint):
    model = make_ddad(teacher_checkpoint, generator_losses=terms(bn=0.0))
    model.train()
    optim = make_optim(model, generator_lr=1e-2)
    student_before = copy.deepcopy(model.student.state_dict())
    before, _ = discrepancy_and_bn(model, seed=5)
    model.train_generator(batch(5), optim['generator'])
    after, _ = discrepancy_and_bn(model, seed=5)
    assert after > before
    # the student was not touched and received no gradient
    for k, v in model.student.state_dict().items():
        if 'running' not in k and 'num_batches' not in k:
            assert torch.equal(v, student_before[k]), k
    assert all(p.grad is None for p in model.student.parameters())


def test_generator_step_lowers_the_bn_loss(teacher_checkpoint):
    model = make_ddad(teacher_checkpoint, generator_losses=terms(adv=0.0))
    model.train()
    optim = make_optim(model, generator_lr=1e-2)
    _, before = discrepancy_and_bn(model, seed=7)
    logs = model.train_generator(batch(7), optim['generator'])
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


def test_channels_last_changes_the_layout_not_the_step(teacher_checkpoint):
    reference = make_ddad(teacher_checkpoint)
    model = make_ddad(teacher_checkpoint, channels_last=True)
    model.load_state_dict(reference.state_dict())
    for name in ('teacher', 'student', 'generator'):
        weights = [
            m.weight for m in getattr(model, name).modules()
            if isinstance(m, torch.nn.Conv2d)
        ]
        assert weights, name
        assert all(
            w.is_contiguous(memory_format=torch.channels_last)
            for w in weights), name
        assert not all(w.is_contiguous() for w in weights), name
    logs = []
    for ddad in (reference, model):
        ddad.train()
        logs.append(ddad.train_step(batch(0), make_optim(ddad)))
    for key, value in logs[0].items():
        assert logs[1][key].item() == pytest.approx(value.item(), rel=1e-4)
    for key, value in reference.student.state_dict().items():
        torch.testing.assert_close(model.student.state_dict()[key], value)


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
    assert model.generator_losses['loss_bn'].num_layers > 10
    model.generator_losses['loss_bn'].detach()
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
    (dict(generator_losses=terms(bn=-1.0)),
     'generator_losses.loss_bn.*loss_weight'),
    (dict(student_steps=0), 'model.student_steps'),
    (dict(generator_losses=dict(
        loss_adv=dict(type='AdversarialLoss', form='square'))),
     'generator_losses.loss_adv.*form'),
    (dict(generator_losses=terms(bn=0.0, adv=0.0)), 'generator_steps=0'),
    (dict(generator_losses=dict(loss_x=dict(type='NoSuchLoss'))),
     'generator_losses.loss_x'),
    (dict(generator=dict(type='DCGANGenerator', latent_dim=8, out_size=32,
                         out_channels=3)), 'model.generator.out_size'),
    (dict(student=dict(cfg_path=STUDENT_RECIPE, head=dict(num_classes=7))),
     'num_classes'),
])
def test_bad_settings_are_named(teacher_checkpoint, overrides, match):
    with pytest.raises((ValueError, TypeError, KeyError), match=match):
        make_ddad(teacher_checkpoint, **overrides)


def test_teacher_without_batchnorm(tmp_path):
    lenet = dict(
        type='ImageClassifier',
        _scope_='mmpretrain',
        backbone=dict(type='LeNet5', num_classes=10),
        head=dict(type='ClsHead'))
    with pytest.raises(ValueError,
                       match='no BatchNorm.*loss_bn.loss_weight=0'):
        make_ddad(None, teacher=lenet)
    model = make_ddad(None, teacher=lenet,
                      generator_losses=terms(bn=0.0))  # DFAD works
    model.train()
    logs = model.train_step(batch(), make_optim(model))
    assert 'loss_bn' not in logs


def test_missing_teacher_checkpoint_is_named(tmp_path):
    # the error names the key, the local recipe and the command that makes
    # it; the recipe writes epoch_12.pth, so --train-teacher (which would
    # refuse this path) is not offered
    with pytest.raises(FileNotFoundError,
                       match='(?s)model.teacher.checkpoint.*python '
                       'tools/train.py .*resnet18-w16_mnist5k.py.*'
                       'epoch_12.pth') as info:
        make_ddad(str(tmp_path / 'missing.pth'))
    assert '--train-teacher' not in str(info.value)


def test_teacher_checkpoint_that_does_not_fit(tmp_path, teacher_checkpoint):
    state = torch.load(teacher_checkpoint)['state_dict']
    state = {k: v for k, v in state.items() if 'layer4' not in k}
    path = str(tmp_path / 'partial.pth')
    torch.save(dict(state_dict=state), path)
    with pytest.raises(RuntimeError, match='(?s)does not fit.*layer4'):
        make_ddad(path)


@MODELS.register_module()
class _MeanImageLoss(BaseLossTerm):
    """A new generator term, as a user would add one: a class and one line
    of config."""

    def loss(self, batch) -> torch.Tensor:
        return batch.images.mean().abs()


def test_a_new_generator_term_is_one_class_and_one_config_line(
        teacher_checkpoint):
    model = make_ddad(
        teacher_checkpoint,
        generator_losses=terms(loss_mean=dict(type='_MeanImageLoss',
                                              loss_weight=2.0)))
    model.train()
    logs = model.train_step(batch(), make_optim(model))
    assert {'loss_bn', 'loss_adv', 'loss_mean'} <= set(logs)
    total = logs['loss_bn'] + logs['loss_adv'] + logs['loss_mean']
    assert logs['loss_generator'].item() == pytest.approx(total.item(),
                                                          rel=1e-5)


def test_dafl_terms_read_logits_and_teacher_features(teacher_checkpoint):
    model = make_ddad(
        teacher_checkpoint,
        generator_losses=dict(
            loss_oh=dict(type='OneHotLoss'),
            loss_ie=dict(type='InformationEntropyLoss', loss_weight=5.0),
            loss_act=dict(type='ActivationLoss', loss_weight=0.1)))
    model.train()
    z = model.sample_latents(BATCH, batch(1)['rng'])
    synthetic = model.synthesize(z, teacher_features=True)
    feats = synthetic.teacher_features
    assert feats.shape == (BATCH, 128)  # the neck's output, before the fc
    expected = -0.1 * feats.abs().mean()
    assert model.generator_losses['loss_act'](synthetic).item() == \
        pytest.approx(expected.item(), rel=1e-6)
    logs = model.train_step(batch(), make_optim(model))
    assert {'loss_oh', 'loss_ie', 'loss_act'} <= set(logs)
    assert 'loss_bn' not in logs and 'loss_adv' not in logs


def test_zero_weight_terms_cost_nothing(teacher_checkpoint):
    model = make_ddad(teacher_checkpoint, generator_losses=terms(adv=0.0))
    calls = []
    model.student.register_forward_hook(lambda *_: calls.append(1))
    model.train()
    model.train_generator(batch(), make_optim(model)['generator'])
    assert not calls  # no student forward without the adversarial term
    assert list(model.generator_losses) == ['loss_bn']


def test_legacy_lambda_keys_still_work(teacher_checkpoint):
    with pytest.warns(DeprecationWarning, match='generator_losses'):
        model = make_ddad(teacher_checkpoint, generator_losses=None,
                          lambda_bn=2.0, lambda_adv=0.5,
                          adversarial_form='log')
    losses = model.generator_losses
    assert losses['loss_bn'].loss_weight == 2.0
    assert losses['loss_adv'].loss_weight == 0.5
    assert losses['loss_adv'].form == 'log'


def test_term_gradients_measure_each_terms_pull_on_the_images(
        teacher_checkpoint):
    z = torch.randn(BATCH, 16)

    def stats(**weights):
        model = make_ddad(teacher_checkpoint, generator_losses=weights)
        model.train()
        return model, generator_term_gradients(model, z)

    bn = dict(type='BNStatisticsLoss', loss_weight=1.0)
    adv = dict(type='AdversarialLoss', loss_weight=1.0)
    model, base = stats(loss_bn=bn, loss_adv=adv)
    assert set(base) == {'loss_bn', 'loss_adv'}
    assert all(norm > 0 for _, norm in base.values())
    assert all(p.grad is None for p in model.parameters())  # nothing moved
    # a term's weight scales its pull; the other term's is unchanged
    _, doubled = stats(loss_bn=bn, loss_adv=dict(adv, loss_weight=2.0))
    assert doubled['loss_adv'][1] == pytest.approx(2 * base['loss_adv'][1])
    assert doubled['loss_bn'] == pytest.approx(base['loss_bn'])
    # summed over the teacher's BN layers, the pull is L x the mean's
    mean_model, mean = stats(
        loss_bn=dict(bn, layer_reduction='mean'), loss_adv=adv)
    layers = mean_model.generator_losses['loss_bn'].num_layers
    assert layers > 1
    assert base['loss_bn'][1] == pytest.approx(layers * mean['loss_bn'][1],
                                               rel=1e-4)
    assert base['loss_adv'] == pytest.approx(mean['loss_adv'])


def test_sample_is_the_one_synthesis_call_for_inspection(teacher_checkpoint):
    model = make_ddad(teacher_checkpoint)
    model.train()
    generator_state = copy.deepcopy(model.generator.state_dict())
    synthetic = model.sample(torch.randn(4, model.latent_dim),
                             dict(classes=tuple('abcdefghij')))
    assert synthetic.images.shape == (4, 1, 32, 32)
    assert synthetic.teacher_logits.shape == (4, 10)
    assert not synthetic.images.requires_grad
    assert synthetic.classes == list('abcdefghij')
    assert model.generator.training  # mode restored
    for k, v in model.generator.state_dict().items():
        assert torch.equal(v, generator_state[k]), k  # BN stats untouched
    tiles = synthetic.draw_predictions(min_size=64)
    # the enlarged image untouched, its class name in a strip under it
    assert len(tiles) == 4 and tiles[0].shape == (64 + 14, 64, 3)
    image = synthetic.to_uint8()[0].repeat(2, 0).repeat(2, 1)
    assert np.array_equal(tiles[0][:64], image)


def test_replay_buffer_is_a_bounded_ring_in_a_compact_dtype():
    from mmddad.models.algorithms.replay import SyntheticReplayBuffer
    buffer = SyntheticReplayBuffer(5, (1, 2, 2), (3, ), dtype='float16')
    assert len(buffer) == 0 and buffer.nbytes == 5 * (4 + 3) * 2
    for start in (0, 3, 6):  # 9 samples into 5 places: 0..3 overwritten
        images = torch.arange(start, start + 3.).view(3, 1, 1, 1).expand(
            3, 1, 2, 2)
        buffer.add(images, torch.arange(start, start + 3.)[:, None].expand(
            3, 3))
    assert len(buffer) == 5 and int(buffer.num_added) == 9
    assert sorted(buffer.logits[:, 0].tolist()) == [4, 5, 6, 7, 8]
    assert buffer.images.dtype == torch.float16
    rng = torch.Generator().manual_seed(0)
    images, logits = buffer.sample(64, rng)
    assert images.dtype == logits.dtype == torch.float32
    # every replayed image comes with the logits stored with it
    assert torch.equal(images[:, 0, 0, 0], logits[:, 0])
    assert set(logits[:, 0].tolist()) == {4., 5., 6., 7., 8.}
    again = buffer.sample(64, torch.Generator().manual_seed(0))
    assert torch.equal(again[1], logits)  # the seeded draw is reproducible
    # part of the training state; another shape is refused, naming the key
    restored = SyntheticReplayBuffer(5, (1, 2, 2), (3, ))
    restored.load_state_dict(buffer.state_dict())
    assert len(restored) == 5 and torch.equal(restored.logits, buffer.logits)
    with pytest.raises(ValueError, match='model.replay.capacity'):
        SyntheticReplayBuffer(4, (1, 2, 2), (3, )).load_state_dict(
            buffer.state_dict())


def test_a_buffer_without_logits_keeps_the_images_alone():
    from mmddad.models.algorithms.replay import SyntheticReplayBuffer
    with_logits = SyntheticReplayBuffer(5, (1, 2, 2), (3, ))
    images_only = SyntheticReplayBuffer(5, (1, 2, 2), None)
    assert images_only.nbytes == 5 * 4 * 2 < with_logits.nbytes
    for buffer in (with_logits, images_only):
        buffer.add(torch.ones(3, 1, 2, 2), torch.ones(3, 3))
    images, logits = images_only.sample(4, torch.Generator().manual_seed(0))
    assert images.shape == (4, 1, 2, 2) and logits is None
    assert 'logits' not in images_only.state_dict()
    # a run that stored logits resumes as a relabelling one (they are not
    # read), not the other way round: its buffer would serve zero logits
    images_only.load_state_dict(with_logits.state_dict())
    assert len(images_only) == 3
    with pytest.raises(ValueError, match='model.augment.relabel'):
        SyntheticReplayBuffer(5, (1, 2, 2), (3, )).load_state_dict(
            images_only.state_dict())


def test_a_relabelling_bank_stores_no_logits_and_the_teacher_labels(
        teacher_checkpoint):
    """With ``relabel=True`` the teacher labels every augmented student
    batch, so the replay keeps images only."""
    model = make_ddad(
        teacher_checkpoint, student_steps=3,
        replay=dict(capacity=4 * BATCH, ratio=0.75),
        augment=dict(type='SyntheticAugmentation', padding=1, relabel=True))
    model.train()
    assert model.replay.logits is None
    assert model.describe()['replay']['logits'] is False
    seen = []
    model.teacher.register_forward_hook(
        lambda m, args, out: seen.append(len(args[0])))
    logs = model.train_step(batch(0), make_optim(model))
    assert torch.isfinite(logs['loss_student'])
    # every student step: the fresh part, then the whole augmented batch;
    # the generator step: its batch
    fresh = [BATCH, BATCH // 4, BATCH // 4]
    assert seen == [n for f in fresh for n in (f, BATCH)] + [BATCH]
    assert 'replay.images' in model.state_dict()
    assert 'replay.logits' not in model.state_dict()
    # its checkpoint cannot serve a model that reads stored logits
    stores_logits = make_ddad(
        teacher_checkpoint, replay=dict(capacity=4 * BATCH, ratio=0.75))
    with pytest.raises(ValueError, match='model.augment.relabel'):
        stores_logits.load_state_dict(model.state_dict())


def test_replayed_samples_cost_no_generator_or_teacher_forward(
        teacher_checkpoint):
    model = make_ddad(
        teacher_checkpoint, student_steps=3,
        replay=dict(capacity=4 * BATCH, ratio=0.75))
    model.train()
    images_seen = dict(generator=[], teacher=[])
    model.generator.register_forward_hook(
        lambda m, args, out: images_seen['generator'].append(len(out)))
    model.teacher.register_forward_hook(
        lambda m, args, out: images_seen['teacher'].append(len(args[0])))
    logs = model.train_step(batch(0), make_optim(model))
    assert torch.isfinite(logs['loss_student'])
    # student step 1: a fresh batch (empty buffer); steps 2-3: a quarter
    # fresh, the rest replayed; the generator step: a fresh batch, stored
    fresh = [BATCH, BATCH // 4, BATCH // 4, BATCH]
    assert images_seen['generator'] == fresh
    assert images_seen['teacher'] == fresh
    assert len(model.replay) == sum(fresh)
    assert 'replay.images' in model.state_dict()


@pytest.mark.parametrize('replay, match', [
    (dict(capacity=0), 'model.replay.capacity'),
    (dict(capacity=8, ratio=1.5), 'model.replay.ratio'),
    (dict(capacity=8, ratio=0), 'model.replay.ratio'),
    (dict(capacity=8, dtype='int8'), 'model.replay.dtype'),
    (dict(capacity=8, size=3), 'model.replay'),
    (dict(capacity=8, ratio=1.0, generator_steps=0), 'model.generator_steps'),
])
def test_bad_replay_settings_are_named(teacher_checkpoint, replay, match):
    replay = dict(replay)
    overrides = dict(generator_steps=replay.pop('generator_steps', 1))
    with pytest.raises((ValueError, TypeError), match=match):
        make_ddad(teacher_checkpoint, replay=replay, **overrides)


def test_checkpoints_load_across_replay_on_and_off(teacher_checkpoint):
    with_replay = make_ddad(teacher_checkpoint, replay=dict(capacity=16))
    without = make_ddad(teacher_checkpoint)
    # strict loading (tools/synthesize.py) works both ways
    without.load_state_dict(with_replay.state_dict())
    with_replay.load_state_dict(without.state_dict())
    assert len(with_replay.replay) == 0
