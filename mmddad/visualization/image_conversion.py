# Copyright (c) mmddad contributors. All rights reserved.
"""Between a model's normalised input space and the pixels a loader gives."""
from typing import List, Optional, Tuple

import numpy as np
import torch
import torch.nn as nn


def swaps_channels(data_preprocessor: Optional[nn.Module]) -> bool:
    """Whether a data preprocessor reverses the channels of loaded images
    (BGR -> RGB): MMPretrain's ``to_rgb``, MMSeg's and MMEngine's channel
    conversion (``bgr_to_rgb``)."""
    return any(
        bool(getattr(data_preprocessor, name, False))
        for name in ('to_rgb', 'channel_conversion', '_channel_conversion'))


def preprocessing_of(data_preprocessor: nn.Module
                     ) -> Tuple[Optional[torch.Tensor], Optional[torch.Tensor],
                                bool]:
    """What an MMPretrain / MMSeg data preprocessor does to loaded pixels.

    Args:
        data_preprocessor (nn.Module): A model's preprocessor.

    Returns:
        tuple: ``mean`` and ``std`` of shape (C, 1, 1) (None if it does not
        normalise) and whether it reverses the channels (BGR of
        OpenCV-loaded images -> RGB: ``to_rgb`` / ``bgr_to_rgb``).
    """
    mean = getattr(data_preprocessor, 'mean', None)
    std = getattr(data_preprocessor, 'std', None)
    flip = swaps_channels(data_preprocessor)
    if mean is not None and std is not None:
        mean = mean.detach().float().view(-1, 1, 1)
        std = std.detach().float().view(-1, 1, 1)
    else:
        mean = std = None
    return mean, std, flip


def to_loaded_pixels(images: torch.Tensor,
                     data_preprocessor: nn.Module) -> torch.Tensor:
    """Undo a data preprocessor: normalised model inputs -> the pixels an
    image loader gives (0..255, rounded, the loader's channel order: BGR for
    three channels, as MMCV loads them).

    Args:
        images (Tensor): (N, C, H, W) in the normalised space.
        data_preprocessor (nn.Module): The model's preprocessor.

    Returns:
        Tensor: (N, C, H, W) float32 on the CPU.
    """
    x = images.detach().float().cpu()
    mean, std, flip = preprocessing_of(data_preprocessor)
    if mean is not None:
        x = x * std.cpu() + mean.cpu()
    x = x.clamp(0, 255).round()
    if flip and x.size(1) == 3:
        x = x.flip(1)  # the model's RGB -> the loader's BGR
    return x


def loaded_to_rgb(pixels: torch.Tensor) -> np.ndarray:
    """Loaded pixels (C, H, W) in the loader's order (BGR for three
    channels, as MMCV loads them) -> an RGB uint8 image (H, W, 3); one
    channel is repeated over the three."""
    x = pixels.detach().cpu().clamp(0, 255).to(torch.uint8)
    if x.size(0) == 1:
        x = x.repeat(3, 1, 1)
    elif x.size(0) == 3:
        x = x.flip(0)  # BGR -> RGB
    return x.permute(1, 2, 0).numpy().copy()


def images_to_uint8(images: torch.Tensor,
                    data_preprocessor: nn.Module) -> List[np.ndarray]:
    """Undo a data preprocessor's normalisation, for viewing.

    Args:
        images (Tensor): (N, C, H, W) in the normalised space.
        data_preprocessor (nn.Module): The teacher's preprocessor; its
            ``mean``/``std`` buffers (if any) and its channel conversion are
            undone.

    Returns:
        list[np.ndarray]: N RGB uint8 images of shape (H, W, 3); one-channel
        images are repeated over the three channels.
    """
    return [loaded_to_rgb(x)
            for x in to_loaded_pixels(images, data_preprocessor)]
