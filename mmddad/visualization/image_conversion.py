# Copyright (c) mmddad contributors. All rights reserved.
"""From the teacher's normalised input space back to viewable pixels."""
from typing import List

import numpy as np
import torch
import torch.nn as nn


def images_to_uint8(images: torch.Tensor,
                    data_preprocessor: nn.Module) -> List[np.ndarray]:
    """Undo a data preprocessor's normalisation.

    Args:
        images (Tensor): (N, C, H, W) in the normalised space.
        data_preprocessor (nn.Module): The teacher's preprocessor; its
            ``mean``/``std`` buffers (if any) are undone, and its channel
            conversion flag says whether the model sees RGB (True) or the
            BGR of OpenCV-loaded images (False, 3 channels).

    Returns:
        list[np.ndarray]: N RGB uint8 images of shape (H, W, 3); one-channel
        images are repeated over the three channels.
    """
    x = images.detach().float().cpu()
    mean = getattr(data_preprocessor, 'mean', None)
    std = getattr(data_preprocessor, 'std', None)
    if mean is not None and std is not None:
        x = x * std.detach().cpu().view(1, -1, 1, 1) + mean.detach().cpu(
        ).view(1, -1, 1, 1)
    x = x.clamp(0, 255).round().to(torch.uint8)
    if x.size(1) == 1:
        x = x.repeat(1, 3, 1, 1)
    elif x.size(1) == 3 and not getattr(data_preprocessor,
                                        '_channel_conversion', False):
        x = x.flip(1)  # BGR -> RGB
    return [img.permute(1, 2, 0).numpy().copy() for img in x]
