# Copyright (c) mmddad contributors. All rights reserved.
"""The one place that knows how to read logits out of a task's models."""
from abc import ABCMeta, abstractmethod

import torch
import torch.nn as nn


class BaseTaskAdapter(metaclass=ABCMeta):
    """Reads raw logits out of the models of one task.

    The algorithm never branches on the task: it asks its adapter for
    logits and compares them with a discrepancy loss whose class dim is 1.
    """

    #: Name of the task, used in error messages.
    task: str = ''

    @classmethod
    @abstractmethod
    def accepts(cls, model: nn.Module) -> bool:
        """Whether ``model`` is of this adapter's task."""

    @abstractmethod
    def logits(self, model: nn.Module, inputs: torch.Tensor) -> torch.Tensor:
        """Raw logits of ``model`` for already-normalised ``inputs``.

        Args:
            model (nn.Module): A teacher or a student.
            inputs (Tensor): (N, C, H, W), in the model's normalised space
                (the data preprocessor is bypassed).

        Returns:
            Tensor: (N, num_classes, ...), class dim at 1.
        """
