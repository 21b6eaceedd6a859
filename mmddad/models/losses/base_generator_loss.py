# Copyright (c) mmddad contributors. All rights reserved.
"""The interface of one term of the generator objective."""
from abc import ABCMeta, abstractmethod
from contextlib import nullcontext
from typing import ContextManager

import torch
import torch.nn as nn

from mmddad.utils import check_number


class BaseGeneratorLoss(nn.Module, metaclass=ABCMeta):
    """One weighted term of the generator's (or the student's) loss.

    The algorithm builds every term listed in ``model.generator_losses``
    and ``model.student_losses`` (dicts: the key is the name the term is
    logged under; student terms read the student step's batch), lets each
    :meth:`attach` to the teacher once, runs the teacher inside every term's
    :meth:`recording` block, and sums ``term(batch)`` over the terms. It knows
    no term by name: a new term is a new registered subclass plus one config
    line.

    Args:
        loss_weight (float): Multiplier of the term (>= 0; a term of weight
            0 is not built at all). Defaults to 1.
    """

    #: The term reads ``batch.teacher_features`` (the teacher's features
    #: before its head): the teacher forward then records them.
    needs_teacher_features: bool = False

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__()
        # the algorithm's error names the term's key before this one
        self.loss_weight = check_number(
            loss_weight, f'{type(self).__name__}.loss_weight', least=0)
        #: The config key of the term, set by the algorithm (for messages).
        self.loss_name = type(self).__name__

    def attach(self, teacher: nn.Module) -> None:
        """Prepare once to read the frozen teacher (e.g. place hooks)."""

    def recording(self) -> ContextManager:
        """A context the teacher's forward of a generator step runs in."""
        return nullcontext()

    @abstractmethod
    def loss(self, batch) -> torch.Tensor:
        """The unweighted term.

        Args:
            batch (SyntheticBatch): The generator step's record.

        Returns:
            Tensor: A scalar.
        """

    def forward(self, batch) -> torch.Tensor:
        """``loss_weight * loss(batch)``."""
        return self.loss_weight * self.loss(batch)
