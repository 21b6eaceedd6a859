# Copyright (c) mmddad contributors. All rights reserved.
from .dcgan_generator import DCGANGenerator, plan_upsampling
from .gaussian_noise_generator import GaussianNoiseGenerator

__all__ = ['DCGANGenerator', 'GaussianNoiseGenerator', 'plan_upsampling']
