# Copyright (c) mmddad contributors. All rights reserved.
"""The interface of one weighted term of an objective (the generator's or
the student's)."""
from abc import ABCMeta, abstractmethod
from contextlib import nullcontext
from typing import ContextManager

import torch
import torch.nn as nn

from mmddad.utils import check_number


class BaseLossTerm(nn.Module, metaclass=ABCMeta):
    """One weighted term of the generator's or the student's objective.

    The algorithm builds every term listed in ``model.generator_losses``
    and ``model.student_losses`` (dicts: the key is the name the term is
    logged under, and must contain ``loss``: MMEngine's ``parse_losses``
    sums those keys), lets each :meth:`attach` to the teacher once, and sums
    ``loss_weight * loss(batch)`` (what :meth:`forward` returns) over the
    terms. A generator term reads the generator
    step's batch: the objective runs the teacher inside every term's
    :meth:`recording` block, so a term can collect what the teacher's
    forward shows (the BN statistics). A student term reads the student
    step's batch of stored or fresh images, whose teacher outputs are
    cached: a term that needs :meth:`recording` or the teacher's features is
    refused there when the model is built. The algorithm knows no term by
    name: a new term is a new registered subclass plus one config line.

    Args:
        loss_weight (float): Multiplier of the term (>= 0; a term of weight
            0 is not built at all). Defaults to 1.
    """

    #: The term reads ``batch.teacher_features`` (the teacher's features
    #: before its head): the teacher forward then records them.
    needs_teacher_features: bool = False
    #: A generator term reads ``batch.student_logits`` or
    #: ``batch.discrepancy``: the generator step then runs the student (a
    #: student step always does).
    needs_student: bool = False

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


#: The name of mmddad 0.1 (the class served the student's terms too).
BaseGeneratorLoss = BaseLossTerm
