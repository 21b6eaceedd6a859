# Copyright (c) mmddad contributors. All rights reserved.
"""DDAD's second discriminator: teacher-student disagreement on logits.

Both losses take logits of shape (N, C) or, per pixel, (N, C, H, W) with the
class dimension at 1, and return a scalar averaged over samples (and pixels).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmddad.registry import MODELS


@MODELS.register_module()
class LogitsL1Loss(nn.Module):
    """Mean absolute error between student and teacher logits (DFAD's ``d``)."""

    def forward(self, student_logits: torch.Tensor,
                teacher_logits: torch.Tensor) -> torch.Tensor:
        """Compute the loss.

        Args:
            student_logits (Tensor): (N, C, ...).
            teacher_logits (Tensor): Same shape.

        Returns:
            Tensor: Scalar.
        """
        return F.l1_loss(student_logits.float(), teacher_logits.float())


@MODELS.register_module()
class LogitsKLLoss(nn.Module):
    """``T^2 * KL(softmax(t / T) || softmax(s / T))`` over the class dim.

    Args:
        temperature (float): Softening temperature ``T``. Defaults to 1.
    """

    def __init__(self, temperature: float = 1.0) -> None:
        super().__init__()
        if temperature <= 0:
            raise ValueError('LogitsKLLoss: `temperature` must be > 0, '
                             f'got {temperature}')
        self.temperature = temperature

    def forward(self, student_logits: torch.Tensor,
                teacher_logits: torch.Tensor) -> torch.Tensor:
        """Compute the loss.

        Args:
            student_logits (Tensor): (N, C, ...).
            teacher_logits (Tensor): Same shape.

        Returns:
            Tensor: Scalar, averaged over samples and pixels.
        """
        t = self.temperature
        log_p_s = F.log_softmax(student_logits.float() / t, dim=1)
        log_p_t = F.log_softmax(teacher_logits.float() / t, dim=1)
        kl = F.kl_div(log_p_s, log_p_t, reduction='none', log_target=True)
        return kl.sum(dim=1).mean() * (t * t)
