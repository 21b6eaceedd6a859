# Copyright (c) mmddad contributors. All rights reserved.
"""The module inside a model wrapper."""
import torch.nn as nn
from mmengine.model import is_model_wrapper


def unwrap_model(module: nn.Module) -> nn.Module:
    """The module inside a DDP (or other MMEngine) wrapper; the module
    itself when it is not wrapped."""
    return module.module if is_model_wrapper(module) else module
