# Copyright (c) mmddad contributors. All rights reserved.
"""A network as a device runs it: loaded pixels in, logits out."""
import torch
import torch.nn as nn

from mmddad.models.task_adapters import BaseTaskAdapter
from mmddad.visualization import preprocessing_of

#: The exported model's input and output names.
INPUT_NAME, OUTPUT_NAME = 'image', 'logits'


class DeployableModel(nn.Module):
    """A teacher or student with its data preprocessor folded in.

    Input ``image``: float32 (N, C, H, W), pixel values 0..255 in the
    channel order an image loader gives (BGR for colour images, as OpenCV
    and MMCV load them; one channel for grayscale), i.e. a loaded image
    transposed to channels-first. The model reverses the channels if its
    preprocessor does (``to_rgb`` / ``bgr_to_rgb``) and normalises with its
    ``mean`` and ``std``.

    Output ``logits``: what the task adapter reads from the network:
    (N, num_classes) for a classifier, (N, num_classes, H, W) at the input
    size for a segmentor.

    Args:
        network (nn.Module): An MMPretrain classifier or MMSeg segmentor.
        adapter (BaseTaskAdapter): The task adapter that reads its logits.
    """

    def __init__(self, network: nn.Module, adapter: BaseTaskAdapter) -> None:
        super().__init__()
        self.network = network
        self.adapter = adapter
        mean, std, flip = preprocessing_of(network.data_preprocessor)
        self.flip = flip
        self.normalise = mean is not None
        if self.normalise:
            self.register_buffer('mean', mean.clone(), persistent=False)
            self.register_buffer('std', std.clone(), persistent=False)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        """Logits of loaded pixels (see the class docstring)."""
        x = image.float()
        if self.flip and x.size(1) == 3:
            x = x.flip(1)
        if self.normalise:
            x = (x - self.mean) / self.std
        return self.adapter.logits(self.network, x)
