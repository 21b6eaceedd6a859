# Copyright (c) mmddad contributors. All rights reserved.
import copy

import pytest
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.optim import OptimWrapperDict

from mmddad.engine.optimizers import CPUAmpOptimWrapper
from mmddad.models import BNStatisticsLoss
from mmddad.utils import enable_amp
from .conftest import EMBEDDED_DDAD, TEACHER_RECIPE
from .test_ddad import batch, make_ddad


def test_enable_amp_gives_each_optimiser_its_own_scaler():
    cfg = enable_amp(
        Config.fromfile(EMBEDDED_DDAD), dtype='bfloat16', cpu=False)
    for name in ('student', 'generator'):
        wrapper = cfg.optim_wrapper[name]
        assert wrapper.type == 'AmpOptimWrapper'
        assert wrapper.loss_scale == 'dynamic'
        assert wrapper.dtype == 'bfloat16'
    single = enable_amp(Config.fromfile(TEACHER_RECIPE), cpu=False)
    assert single.optim_wrapper.type == 'AmpOptimWrapper'


def test_bn_loss_is_fp32_under_autocast():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8)).eval()
    net[1].running_mean.uniform_(-1, 1)
    loss = BNStatisticsLoss()
    loss.attach(net)
    x = torch.randn(8, 3, 16, 16)
    with loss.recording():
        net(x)
    reference = loss.loss()
    with torch.autocast('cpu', dtype=torch.bfloat16), loss.recording():
        net(x)
    mixed = loss.loss()
    assert mixed.dtype == torch.float32
    # only the conv runs in bf16; the statistics themselves are fp32
    assert torch.allclose(mixed, reference, rtol=2e-2)


def test_amp_without_a_gpu_autocasts_to_bf16_on_the_cpu():
    cfg = enable_amp(Config.fromfile(EMBEDDED_DDAD), cpu=True)
    for name in ('student', 'generator'):
        assert cfg.optim_wrapper[name].type == 'CPUAmpOptimWrapper'
        assert cfg.optim_wrapper[name].dtype == 'bfloat16'
    with pytest.raises(ValueError, match='bfloat16'):
        enable_amp(Config.fromfile(EMBEDDED_DDAD), dtype='float16', cpu=True)
    with pytest.raises(ValueError, match='optim_wrapper.dtype'):
        CPUAmpOptimWrapper(
            optimizer=torch.optim.SGD(nn.Linear(1, 1).parameters(), lr=0.1),
            dtype='float16')


def test_ddad_step_runs_in_bf16_on_the_cpu_with_fp32_losses(
        teacher_checkpoint):
    model = make_ddad(teacher_checkpoint)
    model.train()
    optim = OptimWrapperDict(**{
        name: CPUAmpOptimWrapper(optimizer=torch.optim.SGD(
            getattr(model, name).parameters(), lr=0.01))
        for name in ('student', 'generator')
    })
    dtypes = dict(student=set(), teacher=set())
    for name in dtypes:
        getattr(model, name).backbone.conv1.register_forward_hook(
            lambda m, args, out, name=name: dtypes[name].add(out.dtype))
    bn_losses = []
    model.generator_losses['loss_bn'].register_forward_hook(
        lambda m, args, out: bn_losses.append(out))
    before = copy.deepcopy(model.student.state_dict())
    logs = model.train_step(batch(0), optim)
    assert dtypes == dict(student={torch.bfloat16}, teacher={torch.bfloat16})
    assert bn_losses and all(x.dtype == torch.float32 for x in bn_losses)
    assert all(torch.isfinite(v) for v in logs.values())
    # parameters stay fp32 and were updated
    for key, value in model.student.state_dict().items():
        assert value.dtype == before[key].dtype
    assert any(not torch.equal(v, before[k])
               for k, v in model.student.state_dict().items())
