# Copyright (c) mmddad contributors. All rights reserved.
import torch
import torch.nn as nn
from mmengine.config import Config

from mmddad.models import BNStatisticsLoss
from mmddad.utils import enable_amp
from .conftest import EMBEDDED_DDAD, TEACHER_RECIPE


def test_enable_amp_gives_each_optimiser_its_own_scaler():
    cfg = enable_amp(Config.fromfile(EMBEDDED_DDAD), dtype='bfloat16')
    for name in ('student', 'generator'):
        wrapper = cfg.optim_wrapper[name]
        assert wrapper.type == 'AmpOptimWrapper'
        assert wrapper.loss_scale == 'dynamic'
        assert wrapper.dtype == 'bfloat16'
    single = enable_amp(Config.fromfile(TEACHER_RECIPE))
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
