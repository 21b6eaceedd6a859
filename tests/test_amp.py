# Copyright (c) mmddad contributors. All rights reserved.
import copy
from unittest import mock

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
    term = model.generator_losses['loss_bn']
    unrecorded = term.loss

    def recorded_loss(batch_):
        out = unrecorded(batch_)
        bn_losses.append(out)
        return out

    term.loss = recorded_loss  # the objective calls loss_weight * loss()
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


def _amp_wrapper(module: nn.Module, lr: float):
    """MMEngine's ``AmpOptimWrapper`` (GradScaler loss scaling, bf16
    autocast) on the CPU: built as on a GPU, then given torch's CPU
    GradScaler, so its ``backward``/``step`` scale and unscale as they do
    there."""
    from mmengine.optim import AmpOptimWrapper
    from mmengine.optim.optimizer import amp_optimizer_wrapper
    with mock.patch.object(amp_optimizer_wrapper, 'is_cuda_available',
                           return_value=True):
        wrapper = AmpOptimWrapper(
            optimizer=torch.optim.SGD(module.parameters(), lr=lr),
            dtype='bfloat16')
    wrapper.loss_scaler = torch.amp.GradScaler(
        'cpu', init_scale=2.0**8, growth_interval=1)
    return wrapper


@pytest.mark.skipif(not hasattr(torch.amp, 'GradScaler'),
                    reason='torch < 2.3 has no CPU GradScaler')
@pytest.mark.parametrize('algorithm', ['DDAD', 'FastMetaDDAD'])
def test_every_algorithm_steps_through_the_loss_scaler(
        teacher_checkpoint, algorithm):
    extra = dict(type='FastMetaDDAD', synthesis_steps=2,
                 replay=dict(capacity=16)) if algorithm == 'FastMetaDDAD' \
        else {}
    model = make_ddad(teacher_checkpoint, **extra)
    model.train()
    optim = OptimWrapperDict(**{
        name: _amp_wrapper(getattr(model, name), lr=0.01)
        for name in ('student', 'generator')
    })
    before = {name: copy.deepcopy(getattr(model, name).state_dict())
              for name in ('student', 'generator')}
    logs = model.train_step(batch(0), optim)
    assert all(torch.isfinite(v) for v in logs.values())
    for name in ('student', 'generator'):
        after = getattr(model, name).state_dict()
        assert any(not torch.equal(v, before[name][k])
                   for k, v in after.items() if v.is_floating_point()), name
        # the scaler saw every step: finite gradients grow the scale
        assert optim[name].loss_scaler.get_scale() > 2.0**8, name


def test_a_generator_wrapper_that_accumulates_is_refused_for_fast_meta(
        teacher_checkpoint):
    from mmengine.optim import OptimWrapper
    model = make_ddad(teacher_checkpoint, type='FastMetaDDAD',
                      synthesis_steps=2, replay=dict(capacity=16))
    optim = OptimWrapperDict(
        student=OptimWrapper(torch.optim.SGD(model.student.parameters(),
                                             lr=0.01)),
        generator=OptimWrapper(torch.optim.Adam(model.generator.parameters()),
                               accumulative_counts=2))
    with pytest.raises(ValueError,
                       match='optim_wrapper.generator.accumulative_counts'):
        model.check_optim_wrapper(optim)
    with pytest.raises(KeyError, match='no generator wrapper'):
        model.check_optim_wrapper(OptimWrapperDict(student=optim['student']))
