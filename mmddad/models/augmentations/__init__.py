# Copyright (c) mmddad contributors. All rights reserved.
from .synthetic_augmentation import SyntheticAugmentation

__all__ = ['SyntheticAugmentation']
