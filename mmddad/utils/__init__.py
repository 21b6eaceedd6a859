# Copyright (c) mmddad contributors. All rights reserved.
from .amp import enable_amp
from .atomic_file_backend import AtomicLocalBackend, atomic_write
from .config_loading import load_config
from .cpu_distributed import init_cpu_process_group, shutdown_process_group
from .malloc_tuning import tune_malloc
from .resume_checkpoint import checkpoint_damage, select_resume_checkpoint
from .tool_cli import (add_amp_options, add_cfg_options, add_launcher_options,
                       add_trust_option, default_work_dir, load_tool_config,
                       start_tool)
from .safe_checkpoint import (CHECKPOINT_ALLOWLIST, TRUST_ENV,
                              UnsafeCheckpointError, safe_torch_load,
                              trust_checkpoints)

__all__ = [
    'AtomicLocalBackend', 'atomic_write', 'CHECKPOINT_ALLOWLIST', 'TRUST_ENV',
    'UnsafeCheckpointError', 'enable_amp', 'init_cpu_process_group',
    'load_config', 'safe_torch_load', 'shutdown_process_group',
    'trust_checkpoints', 'tune_malloc', 'add_amp_options', 'add_cfg_options',
    'add_launcher_options', 'add_trust_option', 'default_work_dir',
    'load_tool_config', 'start_tool', 'checkpoint_damage',
    'select_resume_checkpoint'
]
