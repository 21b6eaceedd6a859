# Copyright (c) mmddad contributors. All rights reserved.
"""Mixed precision on a CPU-only machine (MMEngine's AMP needs a GPU)."""
import logging
from contextlib import contextmanager
from typing import Iterator, Union

import torch
import torch.nn as nn
from mmengine.logging import print_log
from mmengine.optim import OptimWrapper

from mmddad.registry import OPTIM_WRAPPERS


def native_cpu_bf16() -> bool:
    """Whether this CPU computes bf16 matrix products natively
    (AVX512-BF16 or AMX)."""
    cpu = torch.cpu
    return any(
        getattr(cpu, name, lambda: False)()
        for name in ('_is_avx512_bf16_supported', '_is_amx_tile_supported'))


@OPTIM_WRAPPERS.register_module()
class CPUAmpOptimWrapper(OptimWrapper):
    """``OptimWrapper`` whose forward runs under
    ``torch.autocast('cpu', dtype)``.

    MMEngine's ``AmpOptimWrapper`` refuses to start without a GPU; this one
    brings ``--amp`` to CPU-only machines. Only bfloat16 is offered: it has
    fp32's range, so no loss scaling is needed, and CPUs with AVX512-BF16 or
    AMX run its matrix products natively. Parameters, gradients and the
    optimizer state stay fp32; ops that autocast keeps in fp32 (and the
    losses, which cast to fp32) are unchanged.

    On a CPU without native bf16 (no AVX512-BF16, no AMX) bf16 is emulated
    and much slower than fp32 (measured: 14x slower on an AVX2-only CPU);
    the wrapper then says so in a warning.

    Args:
        dtype (str | torch.dtype): Autocast dtype; only ``'bfloat16'``.
        **kwargs: Arguments of :class:`OptimWrapper` (``optimizer``,
            ``accumulative_counts``, ``clip_grad``).
    """

    def __init__(self,
                 dtype: Union[str, torch.dtype] = 'bfloat16',
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if isinstance(dtype, str):
            dtype = getattr(torch, dtype, None)
        if dtype is not torch.bfloat16:
            raise ValueError(
                'CPUAmpOptimWrapper: `optim_wrapper.dtype` must be '
                f"'bfloat16' on a CPU (got {dtype}); float16 needs loss "
                'scaling, which only the GPU AmpOptimWrapper has')
        self.cast_dtype = dtype
        if not native_cpu_bf16():
            print_log(
                'CPUAmpOptimWrapper: this CPU has no native bf16 '
                f'(capability {torch.backends.cpu.get_cpu_capability()}, no '
                'AVX512-BF16 or AMX): bf16 autocast is emulated here and '
                'slower than fp32; drop --amp on this machine',
                logger='current',
                level=logging.WARNING)

    @contextmanager
    def optim_context(self, model: nn.Module) -> Iterator[None]:
        """The parent's context (gradient accumulation, DDP ``no_sync``)
        plus CPU autocast."""
        with super().optim_context(model), torch.autocast(
                'cpu', dtype=self.cast_dtype):
            yield
