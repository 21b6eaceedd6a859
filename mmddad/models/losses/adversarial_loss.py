# Copyright (c) mmddad contributors. All rights reserved.
"""DDAD's second discriminator, as a term of the generator objective."""
import torch

from mmddad.registry import MODELS
from .base_loss_term import BaseLossTerm


@MODELS.register_module()
class AdversarialLoss(BaseLossTerm):
    """Push the generator towards images where student and teacher disagree.

    Reads ``batch.discrepancy``, the algorithm's ``d(T(x), S(x))`` (the same
    ``model.discrepancy`` the student minimises), and returns ``-d``
    (``form='linear'``) or the bounded ``-log(1 + d)`` (``form='log'``, as
    DFAD uses for segmentation).

    Args:
        loss_weight (float): Multiplier of the term. Defaults to 1.
        form (str): ``'linear'`` or ``'log'``. Defaults to ``'linear'``.
    """

    needs_student = True

    def __init__(self, loss_weight: float = 1.0, form: str = 'linear') -> None:
        super().__init__(loss_weight)
        if form not in ('linear', 'log'):
            raise ValueError("AdversarialLoss: `form` must be 'linear' or "
                             f"'log', got {form!r}")
        self.form = form

    def loss(self, batch) -> torch.Tensor:
        """``-d`` or ``-log(1 + d)``."""
        gap = batch.discrepancy
        return -torch.log1p(gap) if self.form == 'log' else -gap
