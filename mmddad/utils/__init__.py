# Copyright (c) mmddad contributors. All rights reserved.
from .amp import enable_amp
from .config_loading import load_config
from .malloc_tuning import tune_malloc
from .safe_checkpoint import (CHECKPOINT_ALLOWLIST, TRUST_ENV,
                              UnsafeCheckpointError, safe_torch_load,
                              trust_checkpoints)

__all__ = [
    'CHECKPOINT_ALLOWLIST', 'TRUST_ENV', 'UnsafeCheckpointError',
    'enable_amp', 'load_config', 'safe_torch_load', 'trust_checkpoints', 'tune_malloc'
]
