# Copyright (c) mmddad contributors. All rights reserved.
"""The three generator losses of DAFL (Chen et al., 2019).

One-hot and information entropy read the teacher's logits, (N, C) or per
pixel (N, C, H, W); the activation loss reads the teacher's features before
its head.
"""
import torch
import torch.nn.functional as F

from mmddad.registry import MODELS
from .base_loss_term import BaseLossTerm


@MODELS.register_module()
class OneHotLoss(BaseLossTerm):
    """Cross-entropy of the teacher's logits against their own arg-max: low
    when the teacher is confident about the generated images.

    Args:
        loss_weight (float): Multiplier of the term. Defaults to 1.
    """

    def loss(self, batch) -> torch.Tensor:
        """Scalar cross-entropy, averaged over samples (and pixels)."""
        logits = batch.teacher_logits.float()
        return F.cross_entropy(logits, logits.argmax(dim=1).detach())


@MODELS.register_module()
class InformationEntropyLoss(BaseLossTerm):
    """Negative entropy of the teacher's mean prediction over the batch:
    low when the generated classes are balanced.

    Args:
        loss_weight (float): Multiplier of the term. Defaults to 1.
    """

    def loss(self, batch) -> torch.Tensor:
        """Scalar ``sum_c p_c log p_c`` of the batch's mean prediction."""
        probs = F.softmax(batch.teacher_logits.float(), dim=1)
        mean = probs.transpose(0, 1).flatten(1).mean(dim=1)
        return (mean * torch.log(mean.clamp_min(1e-12))).sum()


@MODELS.register_module()
class ActivationLoss(BaseLossTerm):
    """Negative mean absolute activation of the teacher's features before
    its head: low when the images excite the teacher's filters, as real
    images do.

    Args:
        loss_weight (float): Multiplier of the term. Defaults to 1.
    """

    needs_teacher_features = True

    def loss(self, batch) -> torch.Tensor:
        """Scalar ``-mean(|f_T(x)|)``."""
        return -batch.teacher_features.float().abs().mean()
