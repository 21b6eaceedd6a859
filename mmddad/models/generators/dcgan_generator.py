# Copyright (c) mmddad contributors. All rights reserved.
"""The DCGAN-style generator of DDAD / DFAD, sized by its output."""
from typing import List, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from mmddad.registry import MODELS
from mmddad.utils import check_number


def plan_upsampling(out_size: Tuple[int, int],
                    min_init_size: int = 8) -> Tuple[int, Tuple[int, int]]:
    """How many x2 upsampling stages reach ``out_size``.

    The side lengths are halved while both stay even and the shorter one
    stays at least ``min_init_size``: 32x32 -> 2 stages from 8x8 (DFAD's
    layout), 128x128 -> 4 from 8x8, 224x224 -> 4 from 14x14, 360x480 -> 3
    from 45x60.

    Args:
        out_size: Output (H, W).
        min_init_size: Smallest side length of the first feature map.

    Returns:
        tuple: The number of stages and the (h, w) of the first feature map.
    """
    h, w = out_size
    stages = 0
    while h % 2 == 0 and w % 2 == 0 and min(h, w) // 2 >= min_init_size:
        h, w, stages = h // 2, w // 2, stages + 1
    return stages, (h, w)


@MODELS.register_module()
class DCGANGenerator(BaseModule):
    """Maps latents ``z ~ N(0, I)`` to images in the teacher's normalised
    input space.

    Layout (for 32x32): linear -> ``base_channels`` x H/4 x W/4 -> BN ->
    [x2 upsample -> conv3x3 -> BN -> LeakyReLU(0.2)] x stages -> conv3x3(C)
    -> tanh -> BN(affine=False). Stage ``i`` has
    ``max(base_channels // 2**i, min_channels)`` channels. The final
    affine-free BN gives every channel zero mean and unit variance over the
    batch, the range of normalised inputs.

    Args:
        latent_dim (int): Length of ``z``. Defaults to 256.
        out_size (int | Sequence[int]): Output size, ``S`` or ``(H, W)``.
            Defaults to 32.
        out_channels (int): Image channels (the teacher's input channels).
            Defaults to 3.
        base_channels (int): Channels of the first feature map. Defaults
            to 128.
        min_channels (int): Fewest channels of a stage. Defaults to 32.
        min_init_size (int): Smallest side of the first feature map, see
            :func:`plan_upsampling`. Defaults to 8.
        init_cfg (dict, optional): MMEngine initialisation config.
    """

    def __init__(self,
                 latent_dim: int = 256,
                 out_size: Union[int, Sequence[int]] = 32,
                 out_channels: int = 3,
                 base_channels: int = 128,
                 min_channels: int = 32,
                 min_init_size: int = 8,
                 init_cfg: Union[dict, List[dict], None] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if not isinstance(out_size, Sequence) or isinstance(out_size, str):
            out_size = (out_size, out_size)
        if len(out_size) != 2:
            raise ValueError('`model.generator.out_size` must be an int or '
                             f'(H, W), got {out_size!r}')
        out_size = tuple(
            check_number(s, 'model.generator.out_size', integer=True,
                         least=1) for s in out_size)
        latent_dim, out_channels, base_channels, min_channels, \
            min_init_size = (
                check_number(value, f'model.generator.{key}', integer=True,
                             least=1)
                for key, value in (('latent_dim', latent_dim),
                                   ('out_channels', out_channels),
                                   ('base_channels', base_channels),
                                   ('min_channels', min_channels),
                                   ('min_init_size', min_init_size)))
        self.latent_dim = latent_dim
        self.out_size = out_size
        self.out_channels = out_channels
        num_stages, self.init_size = plan_upsampling(out_size, min_init_size)

        h0, w0 = self.init_size
        self.fc = nn.Linear(latent_dim, base_channels * h0 * w0)
        self.init_bn = nn.BatchNorm2d(base_channels)
        stages: List[nn.Module] = []
        in_ch = base_channels
        for i in range(num_stages):
            out_ch = max(base_channels // 2**i, min_channels)
            stages += [
                nn.Upsample(scale_factor=2, mode='nearest'),
                nn.Conv2d(in_ch, out_ch, 3, padding=1, bias=False),
                nn.BatchNorm2d(out_ch),
                nn.LeakyReLU(0.2, inplace=True),
            ]
            in_ch = out_ch
        self.stages = nn.Sequential(*stages)
        self.to_image = nn.Sequential(
            nn.Conv2d(in_ch, out_channels, 3, padding=1), nn.Tanh(),
            nn.BatchNorm2d(out_channels, affine=False))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """Generate a batch of images.

        Args:
            z (Tensor): Latents of shape (N, latent_dim).

        Returns:
            Tensor: Images of shape (N, out_channels, H, W), normalised.
        """
        x = self.fc(z).view(z.size(0), -1, *self.init_size)
        x = self.stages(self.init_bn(x))
        return self.to_image(x)
