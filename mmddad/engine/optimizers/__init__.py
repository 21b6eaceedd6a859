# Copyright (c) mmddad contributors. All rights reserved.
from .per_submodule_constructor import PerSubmoduleOptimWrapperConstructor

__all__ = ['PerSubmoduleOptimWrapperConstructor']
