# Copyright (c) mmddad contributors. All rights reserved.
"""The student's side of the second discriminator, as a term."""
import torch

from mmddad.registry import MODELS
from .base_loss_term import BaseLossTerm


@MODELS.register_module()
class DiscrepancyLoss(BaseLossTerm):
    """``d(T(x), S(x))``: the algorithm's discrepancy (``model.discrepancy``,
    the same ``d`` that ``AdversarialLoss`` maximises), minimised by the
    student. The default term of ``model.student_losses``.

    Args:
        loss_weight (float): Multiplier of the term. Defaults to 1.
    """

    needs_student = True

    def loss(self, batch) -> torch.Tensor:
        """``batch.discrepancy``."""
        return batch.discrepancy
