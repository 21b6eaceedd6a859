# Copyright (c) mmddad contributors. All rights reserved.
"""DDAD on MMSegmentation models: the segmentation rules the README states."""
import os.path as osp

import pytest
import torch
from mmengine.model import revert_sync_batchnorm
from mmengine.optim import OptimWrapper, OptimWrapperDict

from mmddad.registry import MODELS
from .conftest import CONFIGS

SEG_TEACHER = osp.join(CONFIGS, 'teachers', 'deeplabv3_r18-w16_mnist-canvas.py')
SEG_STUDENT = osp.join(CONFIGS, 'teachers', 'deeplabv3_r18-w8_mnist-canvas.py')
SYNC_BN = dict(type='SyncBN', requires_grad=True)


def make_seg_ddad(teacher: dict = None, student: dict = None, **overrides):
    cfg = dict(
        type='DDAD',
        teacher=dict(cfg_path=SEG_TEACHER, **(teacher or {})),
        student=dict(cfg_path=SEG_STUDENT, **(student or {})),
        generator=dict(
            type='DCGANGenerator', latent_dim=16, out_size=(48, 64),
            out_channels=1, base_channels=16),
        generator_losses=dict(
            loss_bn=dict(type='BNStatisticsLoss'),
            loss_adv=dict(type='AdversarialLoss', form='log')),
        student_steps=1)
    cfg.update(overrides)
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def step(model) -> dict:
    optim = OptimWrapperDict(
        student=OptimWrapper(
            torch.optim.SGD(model.student.parameters(), lr=0.01)),
        generator=OptimWrapper(
            torch.optim.Adam(model.generator.parameters(), lr=1e-3)))
    rng = torch.Generator().manual_seed(0)
    model.train()
    return model.train_step(dict(batch_size=4, rng=rng), optim)


def test_class_count_mismatch_is_named():
    with pytest.raises(ValueError, match='11 classes.*5.*num_classes'):
        make_seg_ddad(student=dict(decode_head=dict(num_classes=5)))


def test_non_square_logits_per_pixel():
    model = make_seg_ddad()
    synthetic = model.sample(torch.randn(2, 16), with_student=True)
    assert synthetic.images.shape == (2, 1, 48, 64)
    # both at the input size
    assert synthetic.teacher_logits.shape == (2, 11, 48, 64)
    assert synthetic.student_logits.shape == (2, 11, 48, 64)
    logs = step(model)
    assert torch.isfinite(logs['loss_bn']) and logs['loss_adv'] < 0


def test_syncbn_teacher_keeps_its_bn_hooks_in_a_single_process():
    """MMSeg recipes use SyncBN; MMEngine's runner reverts SyncBN to BN when
    not distributed, which must not drop the BN-statistics hooks."""
    sync = dict(backbone=dict(norm_cfg=SYNC_BN),
                decode_head=dict(norm_cfg=SYNC_BN))
    model = make_seg_ddad(teacher=sync, student=sync)
    assert not any(
        isinstance(m, torch.nn.SyncBatchNorm) for m in model.teacher.modules())
    model = revert_sync_batchnorm(model)  # what Runner.wrap_model does
    assert 'loss_bn' in step(model)


def test_student_auxiliary_head_is_left_untrained():
    """Only decode-head logits are compared: an auxiliary head gets no
    gradient (the DDAD configs therefore build students without one)."""
    aux = dict(
        type='FCNHead', in_channels=64, in_index=0, channels=16, num_convs=1,
        concat_input=False, num_classes=11, align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', loss_weight=0.4))
    model = make_seg_ddad(student=dict(auxiliary_head=aux))
    before = {k: v.clone() for k, v in
              model.student.auxiliary_head.state_dict().items()}
    step(model)
    for key, value in model.student.auxiliary_head.state_dict().items():
        assert torch.equal(value, before[key]), key
    assert all(p.grad is None
               for p in model.student.auxiliary_head.parameters())
