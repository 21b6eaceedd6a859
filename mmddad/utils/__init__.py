# Copyright (c) mmddad contributors. All rights reserved.
from .amp import enable_amp
from .atomic_file_backend import AtomicLocalBackend, atomic_write
from .checkpoint_fit import (CheckpointMismatchError, check_resumable,
                             check_runner_checkpoint, check_weights_fit,
                             describe_checkpoint, load_checkpoint_file,
                             load_weights, state_dict_of)
from .config_loading import load_config
from .cpu_distributed import init_cpu_process_group, shutdown_process_group
from .malloc_tuning import tune_malloc
from .resume_checkpoint import (checkpoint_damage, resume_override_warnings,
                                select_resume_checkpoint)
from .safe_checkpoint import (CHECKPOINT_ALLOWLIST, TRUST_ENV,
                              UnreadableCheckpointError, UnsafeCheckpointError,
                              safe_torch_load, trust_checkpoints)
from .tool_cli import (add_amp_options, add_cfg_options, add_launcher_options,
                       add_trust_option, default_work_dir, keep_config_copy,
                       ReportedError, load_tool_config, non_negative_float,
                       non_negative_int, positive_int, run_tool, start_tool)

__all__ = [
    'AtomicLocalBackend', 'atomic_write', 'CHECKPOINT_ALLOWLIST', 'TRUST_ENV',
    'UnsafeCheckpointError', 'UnreadableCheckpointError', 'enable_amp',
    'init_cpu_process_group', 'load_config', 'safe_torch_load',
    'shutdown_process_group', 'trust_checkpoints', 'tune_malloc',
    'add_amp_options', 'add_cfg_options', 'add_launcher_options',
    'add_trust_option', 'default_work_dir', 'keep_config_copy',
    'load_tool_config', 'non_negative_float', 'non_negative_int',
    'positive_int', 'run_tool', 'start_tool', 'checkpoint_damage',
    'resume_override_warnings', 'select_resume_checkpoint',
    'CheckpointMismatchError', 'check_resumable', 'check_runner_checkpoint',
    'check_weights_fit', 'describe_checkpoint', 'load_checkpoint_file',
    'load_weights', 'ReportedError', 'state_dict_of'
]
