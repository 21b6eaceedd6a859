# Copyright (c) mmddad contributors. All rights reserved.
from .cpu_amp_optim_wrapper import CPUAmpOptimWrapper, native_cpu_bf16
from .per_submodule_constructor import PerSubmoduleOptimWrapperConstructor

__all__ = [
    'CPUAmpOptimWrapper', 'PerSubmoduleOptimWrapperConstructor',
    'native_cpu_bf16'
]
