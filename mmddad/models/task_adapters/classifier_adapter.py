# Copyright (c) mmddad contributors. All rights reserved.
"""Task adapter of MMPretrain image classifiers."""
import torch
import torch.nn as nn
from mmpretrain.models import BaseClassifier

from mmddad.registry import TASK_UTILS
from .base import BaseTaskAdapter


@TASK_UTILS.register_module()
class ClassifierAdapter(BaseTaskAdapter):
    """Logits of an MMPretrain classifier: ``model(x, mode='tensor')``, the
    head's class scores of shape (N, num_classes)."""

    task = 'classification'

    @classmethod
    def accepts(cls, model: nn.Module) -> bool:
        """Whether ``model`` is an MMPretrain classifier."""
        return isinstance(model, BaseClassifier)

    def logits(self, model: nn.Module, inputs: torch.Tensor) -> torch.Tensor:
        """See :meth:`BaseTaskAdapter.logits`."""
        out = model(inputs, mode='tensor')
        if isinstance(out, (tuple, list)):  # a classifier without a head
            raise TypeError(
                f'{type(model).__name__} returned features, not logits: '
                'DDAD needs a classifier with a head')
        return out
