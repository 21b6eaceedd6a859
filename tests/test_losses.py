# Copyright (c) mmddad contributors. All rights reserved.
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmddad.models import (ActivationLoss, BNStatisticsLoss,
                           InformationEntropyLoss, LogitsKLLoss, LogitsL1Loss,
                           OneHotLoss)


def _net() -> nn.Module:
    torch.manual_seed(0)
    net = nn.Sequential(
        nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Conv2d(4, 5, 3),
        nn.BatchNorm2d(5), nn.Flatten(), nn.LazyLinear(3))
    net(torch.randn(2, 3, 8, 8))  # materialise the lazy layer
    for bn in (net[1], net[4]):
        bn.running_mean.uniform_(-1, 1)
        bn.running_var.uniform_(0.5, 2)
    return net.eval()


def test_bn_loss_matches_manual_formula():
    net = _net()
    loss = BNStatisticsLoss(first_bn_multiplier=2.0)
    assert loss.attach(net) == 2
    x = torch.randn(6, 3, 8, 8)
    with loss.recording():
        net(x)
    value = loss.loss()

    feats1 = net[0](x)
    feats2 = net[3](net[2](net[1](feats1)))
    expected = 0
    for w, f, bn in ((2.0, feats1, net[1]), (1.0, feats2, net[4])):
        mu = f.mean(dim=(0, 2, 3))
        var = f.var(dim=(0, 2, 3), unbiased=False)
        expected = expected + w * ((mu - bn.running_mean).norm() +
                                   (var - bn.running_var).norm())
    assert torch.allclose(value, expected, rtol=1e-5)


def test_bn_loss_records_only_inside_recording_and_detaches():
    net = _net()
    loss = BNStatisticsLoss()
    loss.attach(net)
    net(torch.randn(2, 3, 8, 8))  # outside recording: nothing kept
    with pytest.raises(RuntimeError, match='nothing was recorded'):
        loss.loss()
    with pytest.raises(RuntimeError, match='already attached'):
        loss.attach(net)
    with loss.recording():
        net(torch.randn(2, 3, 8, 8))
    loss.loss()
    # the layers carry no hook outside a recording block
    assert all(not bn._forward_hooks and not bn._forward_pre_hooks
               for bn in (net[1], net[4]))
    loss.detach()
    assert loss.num_layers == 0


def test_bn_loss_gradient_reaches_the_input():
    net = _net()
    loss = BNStatisticsLoss()
    loss.attach(net)
    x = torch.randn(4, 3, 8, 8, requires_grad=True)
    with loss.recording():
        net(x)
    loss.loss().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_discrepancy_losses():
    s, t = torch.randn(4, 5), torch.randn(4, 5)
    assert torch.allclose(LogitsL1Loss()(s, t), (s - t).abs().mean())
    kl = LogitsKLLoss(temperature=2.0)(s, t)
    p_t = F.softmax(t / 2, 1)
    manual = (p_t * (p_t.log() - F.log_softmax(s / 2, 1))).sum(1).mean() * 4
    assert torch.allclose(kl, manual, atol=1e-6)
    assert LogitsKLLoss()(t, t).abs() < 1e-6
    # per pixel: class dim at 1
    s4, t4 = torch.randn(2, 5, 3, 3), torch.randn(2, 5, 3, 3)
    assert torch.allclose(LogitsL1Loss()(s4, t4), (s4 - t4).abs().mean())
    with pytest.raises(ValueError, match='temperature'):
        LogitsKLLoss(temperature=0)


class _Batch:
    """The fields of a generator step's record the DAFL terms read."""

    def __init__(self, logits, features=None):
        self.teacher_logits = logits
        self.teacher_features = features


def test_dafl_losses():
    confident = _Batch(torch.tensor([[10., 0., 0.], [0., 10., 0.]]))
    unsure = _Batch(torch.zeros(2, 3))
    assert OneHotLoss()(confident) < OneHotLoss()(unsure)
    balanced = _Batch(torch.eye(3) * 10)
    collapsed = _Batch(torch.tensor([[10., 0., 0.]] * 3))
    ie = InformationEntropyLoss()
    assert ie(balanced) < ie(collapsed)
    assert torch.allclose(ie(balanced), -torch.log(torch.tensor(3.)),
                          atol=1e-3)
    act = ActivationLoss(loss_weight=0.1)
    feats = torch.tensor([[1., -3.], [0., 2.]])
    assert act(_Batch(None, feats)).item() == pytest.approx(-0.15)
    assert ie.loss_weight == 1.0 and InformationEntropyLoss(5.0)(
        balanced) == pytest.approx(5 * ie(balanced).item())


def test_bn_loss_layer_mean_divides_by_the_layer_count():
    net = _net()
    summed, mean = BNStatisticsLoss(), BNStatisticsLoss(
        layer_reduction='mean')
    summed.attach(net)
    mean.attach(net)
    x = torch.randn(6, 3, 8, 8)
    with summed.recording(), mean.recording():
        net(x)
    assert torch.allclose(mean.loss(), summed.loss() / 2)
    with pytest.raises(ValueError, match='layer_reduction'):
        BNStatisticsLoss(layer_reduction='max')
