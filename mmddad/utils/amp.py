# Copyright (c) mmddad contributors. All rights reserved.
"""Switch a config to automatic mixed precision (``--amp``)."""
from typing import Optional

from mmengine.config import Config

#: Constructor whose config holds one optim wrapper per submodule.
PER_SUBMODULE = 'PerSubmoduleOptimWrapperConstructor'


def enable_amp(cfg: Config,
               loss_scale: str = 'dynamic',
               dtype: Optional[str] = None) -> Config:
    """Make every optim wrapper of ``cfg`` an ``AmpOptimWrapper``.

    With several optimisers (DDAD's student and generator) each gets its own
    wrapper and so its own loss scaler. MMEngine's AMP needs a GPU (or NPU,
    MLU); the BN-statistics loss is computed in fp32 under autocast.

    Args:
        cfg (Config): The config; changed in place.
        loss_scale (str | float): Loss scale of wrappers that set none.
        dtype (str, optional): Autocast dtype, ``'float16'`` (default of
            MMEngine) or ``'bfloat16'`` on devices that have it.

    Returns:
        Config: ``cfg``.
    """
    optim_wrapper = cfg.get('optim_wrapper')
    if optim_wrapper is None:
        raise KeyError('--amp: the config has no `optim_wrapper`')
    if optim_wrapper.get('constructor') == PER_SUBMODULE:
        wrappers = [v for k, v in optim_wrapper.items() if k != 'constructor']
    else:
        wrappers = [optim_wrapper]
    for wrapper in wrappers:
        if wrapper.get('type', 'OptimWrapper') == 'AmpOptimWrapper':
            continue
        wrapper['type'] = 'AmpOptimWrapper'
        wrapper.setdefault('loss_scale', loss_scale)
        if dtype is not None:
            wrapper['dtype'] = dtype
    return cfg
