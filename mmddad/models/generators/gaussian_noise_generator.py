# Copyright (c) mmddad contributors. All rights reserved.
"""Pure Gaussian noise as "images": the floor of data-free distillation."""
from typing import Sequence, Union

import torch
import torch.nn as nn

from mmddad.registry import MODELS


@MODELS.register_module()
class GaussianNoiseGenerator(nn.Module):
    """Reshapes a latent ``z ~ N(0, I)`` into an image of i.i.d. N(0, 1)
    pixels, i.e. noise in the normalised input space. It has no parameters:
    use it with ``generator_steps=0`` for plain KD on noise.

    Args:
        out_size (int | Sequence[int]): Output size, ``S`` or ``(H, W)``.
        out_channels (int): Image channels. Defaults to 3.
    """

    def __init__(self,
                 out_size: Union[int, Sequence[int]] = 32,
                 out_channels: int = 3) -> None:
        super().__init__()
        if isinstance(out_size, int):
            out_size = (out_size, out_size)
        self.out_shape = (out_channels, *out_size)
        self.latent_dim = out_channels * out_size[0] * out_size[1]

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """(N, latent_dim) -> (N, C, H, W)."""
        return z.view(z.size(0), *self.out_shape)
