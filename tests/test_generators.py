# Copyright (c) mmddad contributors. All rights reserved.
import pytest
import torch

from mmddad.models import DCGANGenerator, GaussianNoiseGenerator
from mmddad.models.generators import plan_upsampling
from mmddad.registry import MODELS
from .conftest import EMBEDDED_DDAD


@pytest.mark.parametrize('size,stages,init', [
    ((32, 32), 2, (8, 8)),
    ((128, 128), 4, (8, 8)),
    ((224, 224), 4, (14, 14)),
    ((360, 480), 3, (45, 60)),
    ((28, 28), 1, (14, 14)),
])
def test_plan_upsampling(size, stages, init):
    assert plan_upsampling(size) == (stages, init)


@pytest.mark.parametrize('size',
                         [32, (64, 64), (48, 80), (36, 60), (360, 480)])
def test_dcgan_generator_shapes_and_normalisation(size):
    gen = MODELS.build(
        dict(type='DCGANGenerator', latent_dim=16, out_size=size,
             out_channels=3, base_channels=16))
    out = gen(torch.randn(8, 16))
    hw = (size, size) if isinstance(size, int) else size
    assert out.shape == (8, 3, *hw)
    # the final affine-free BN standardises every channel over the batch
    mean = out.mean(dim=(0, 2, 3))
    std = out.std(dim=(0, 2, 3), unbiased=False)
    assert torch.allclose(mean, torch.zeros(3), atol=1e-4)
    assert torch.allclose(std, torch.ones(3), atol=1e-2)


def test_dcgan_generator_is_differentiable():
    gen = DCGANGenerator(latent_dim=8, out_size=16, out_channels=1,
                         base_channels=8)
    gen(torch.randn(4, 8)).pow(2).mean().backward()
    assert all(p.grad is not None for p in gen.parameters())


def test_dcgan_generator_bad_size():
    with pytest.raises(ValueError, match='out_size'):
        DCGANGenerator(out_size=(0, 32))


def test_gaussian_noise_generator():
    gen = GaussianNoiseGenerator(out_size=(4, 6), out_channels=2)
    z = torch.randn(3, gen.latent_dim)
    assert gen(z).shape == (3, 2, 4, 6)
    assert torch.equal(gen(z).flatten(1), z)


def test_a_generator_size_other_than_the_teachers_is_a_warning(
        teacher_checkpoint):
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    init_default_scope('mmddad')
    cfg = Config.fromfile(EMBEDDED_DDAD)
    cfg.model.teacher.checkpoint = teacher_checkpoint
    cfg.model.generator.base_channels = 16
    cfg.model.replay = None
    cfg.model.generator.out_size = 48
    with pytest.warns(UserWarning, match='(?s)48x48.*32x32'):
        MODELS.build(cfg.model)
