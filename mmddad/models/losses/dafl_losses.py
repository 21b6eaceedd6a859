# Copyright (c) mmddad contributors. All rights reserved.
"""The optional DAFL terms of the generator loss (Chen et al., 2019).

Both read the teacher's logits, (N, C) or per pixel (N, C, H, W).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmddad.registry import MODELS


@MODELS.register_module()
class OneHotLoss(nn.Module):
    """Cross-entropy of the teacher's logits against their own arg-max: low
    when the teacher is confident about the generated images."""

    def forward(self, teacher_logits: torch.Tensor) -> torch.Tensor:
        """Compute the loss.

        Args:
            teacher_logits (Tensor): (N, C, ...).

        Returns:
            Tensor: Scalar.
        """
        logits = teacher_logits.float()
        return F.cross_entropy(logits, logits.argmax(dim=1).detach())


@MODELS.register_module()
class InformationEntropyLoss(nn.Module):
    """Negative entropy of the teacher's mean prediction over the batch:
    low when the generated classes are balanced."""

    def forward(self, teacher_logits: torch.Tensor) -> torch.Tensor:
        """Compute the loss.

        Args:
            teacher_logits (Tensor): (N, C, ...).

        Returns:
            Tensor: Scalar, ``sum_c p_c log p_c`` of the mean prediction.
        """
        probs = F.softmax(teacher_logits.float(), dim=1)
        mean = probs.transpose(0, 1).flatten(1).mean(dim=1)
        return (mean * torch.log(mean.clamp_min(1e-12))).sum()
