# Copyright (c) mmddad contributors. All rights reserved.
from .relative_multistep_lr import RelativeMultiStepLR

__all__ = ['RelativeMultiStepLR']
