# Copyright (c) mmddad contributors. All rights reserved.
"""Switch a config to automatic mixed precision (``--amp``)."""
from typing import Optional

from mmengine.config import Config
from mmengine.device import (is_cuda_available, is_mlu_available,
                             is_npu_available)

#: Constructor whose config holds one optim wrapper per submodule.
PER_SUBMODULE = 'PerSubmoduleOptimWrapperConstructor'
#: Wrappers that already autocast.
AMP_WRAPPERS = ('AmpOptimWrapper', 'CPUAmpOptimWrapper',
                'mmddad.CPUAmpOptimWrapper')


def accelerator_available() -> bool:
    """Whether MMEngine's ``AmpOptimWrapper`` can run here (GPU, NPU, MLU)."""
    return is_cuda_available() or is_npu_available() or is_mlu_available()


def enable_amp(cfg: Config,
               loss_scale: str = 'dynamic',
               dtype: Optional[str] = None,
               cpu: Optional[bool] = None) -> Config:
    """Switch every optim wrapper of ``cfg`` to mixed precision.

    On a GPU (NPU, MLU): MMEngine's ``AmpOptimWrapper``; with several
    optimisers (DDAD's student and generator) each gets its own wrapper and
    so its own loss scaler. On a CPU-only machine: ``CPUAmpOptimWrapper``
    (bfloat16 autocast, no loss scaling). The BN-statistics loss and the
    other losses are computed in fp32 under autocast either way.

    Args:
        cfg (Config): The config; changed in place.
        loss_scale (str | float): Loss scale of GPU wrappers that set none.
        dtype (str, optional): Autocast dtype. GPU: ``'float16'`` (default
            of MMEngine) or ``'bfloat16'``; CPU: ``'bfloat16'`` only (the
            default there).
        cpu (bool, optional): Use the CPU wrapper; None decides by whether
            an accelerator is available.

    Returns:
        Config: ``cfg``.
    """
    if cpu is None:
        cpu = not accelerator_available()
    if cpu and dtype not in (None, 'bfloat16'):
        raise ValueError(f'--amp-dtype {dtype}: on a CPU only bfloat16 '
                         'autocast is supported (float16 needs a GPU and its '
                         'loss scaling)')
    optim_wrapper = cfg.get('optim_wrapper')
    if optim_wrapper is None:
        raise KeyError('--amp: the config has no `optim_wrapper`')
    if optim_wrapper.get('constructor') == PER_SUBMODULE:
        wrappers = [v for k, v in optim_wrapper.items() if k != 'constructor']
    else:
        wrappers = [optim_wrapper]
    for wrapper in wrappers:
        if wrapper.get('type', 'OptimWrapper') in AMP_WRAPPERS:
            continue
        if cpu:
            wrapper['type'] = 'CPUAmpOptimWrapper'
            wrapper['dtype'] = 'bfloat16'
            continue
        wrapper['type'] = 'AmpOptimWrapper'
        wrapper.setdefault('loss_scale', loss_scale)
        if dtype is not None:
            wrapper['dtype'] = dtype
    return cfg
