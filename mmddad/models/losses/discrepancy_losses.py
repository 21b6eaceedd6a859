# Copyright (c) mmddad contributors. All rights reserved.
"""DDAD's second discriminator: teacher-student disagreement on logits.

The losses take logits of shape (N, C) or, per pixel, (N, C, H, W) with the
class dimension at 1, and return a scalar averaged over samples (and pixels).
"""
from abc import ABCMeta, abstractmethod

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmddad.registry import MODELS


class BaseDiscrepancyLoss(nn.Module, metaclass=ABCMeta):
    """``d(S, T)`` between student and teacher logits, computed in fp32."""

    def forward(self, student_logits: torch.Tensor,
                teacher_logits: torch.Tensor) -> torch.Tensor:
        """Compute the loss.

        Args:
            student_logits (Tensor): (N, C, ...).
            teacher_logits (Tensor): Same shape.

        Returns:
            Tensor: Scalar.
        """
        return self.distance(student_logits.float(), teacher_logits.float())

    @abstractmethod
    def distance(self, student_logits: torch.Tensor,
                 teacher_logits: torch.Tensor) -> torch.Tensor:
        """The loss of fp32 logits (see :meth:`forward`)."""


@MODELS.register_module()
class LogitsL1Loss(BaseDiscrepancyLoss):
    """Mean absolute error between student and teacher logits (DFAD's ``d``)."""

    def distance(self, student_logits: torch.Tensor,
                 teacher_logits: torch.Tensor) -> torch.Tensor:
        """Mean of ``|s - t|``."""
        return F.l1_loss(student_logits, teacher_logits)


@MODELS.register_module()
class LogitsKLLoss(BaseDiscrepancyLoss):
    """``T^2 * KL(softmax(t / T) || softmax(s / T))`` over the class dim,
    averaged over samples and pixels.

    Args:
        temperature (float): Softening temperature ``T``. Defaults to 1.
    """

    def __init__(self, temperature: float = 1.0) -> None:
        super().__init__()
        if temperature <= 0:
            raise ValueError('LogitsKLLoss: `temperature` must be > 0, '
                             f'got {temperature}')
        self.temperature = temperature

    def distance(self, student_logits: torch.Tensor,
                 teacher_logits: torch.Tensor) -> torch.Tensor:
        """The tempered KL divergence."""
        t = self.temperature
        log_p_s = F.log_softmax(student_logits / t, dim=1)
        log_p_t = F.log_softmax(teacher_logits / t, dim=1)
        kl = F.kl_div(log_p_s, log_p_t, reduction='none', log_target=True)
        return kl.sum(dim=1).mean() * (t * t)
