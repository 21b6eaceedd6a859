# Copyright (c) mmddad contributors. All rights reserved.
from .torch_classifier import TorchClassifier

__all__ = ['TorchClassifier']
