# Copyright (c) mmddad contributors. All rights reserved.
from .amp import enable_amp
from .atomic_file_backend import AtomicLocalBackend, atomic_write
from .checkpoint_fit import (CheckpointMismatchError, check_resumable,
                             check_runner_checkpoint, check_weights_fit,
                             describe_checkpoint, load_checkpoint_file,
                             load_weights, state_dict_of)
from .config_loading import (last_checkpoint_of, load_config,
                             missing_checkpoint_hint)
from .cpu_distributed import init_cpu_process_group, shutdown_process_group
from .malloc_tuning import tune_malloc
from .resume_checkpoint import (checkpoint_damage, checkpoint_iteration,
                                resume_override_warnings,
                                select_resume_checkpoint)
from .safe_checkpoint import (CHECKPOINT_ALLOWLIST, TRUST_ENV,
                              UnreadableCheckpointError, UnsafeCheckpointError,
                              safe_torch_load, trust_checkpoints)
from .errors import ReportedError
from .tool_cli import (add_amp_options, add_cfg_options, add_force_option,
                       add_launcher_options, add_trust_option,
                       check_folder_path, check_new_file, check_not_input,
                       default_work_dir, device_option, indexed_paths,
                       keep_config_copy, launcher_rank, load_tool_config,
                       non_negative_float, non_negative_int, output_folder,
                       positive_int, private_temp_folder, read_json,
                       read_json_lines, remove_stale_temp_folders, run_tool,
                       same_path, start_tool, training_only_runner)
from .validation import (check_cfg_option_keys, check_number,
                         check_run_settings)
from .work_dir_lock import LOCK_FILE, WorkDirInUseError, work_dir_lock

__all__ = [
    'indexed_paths',
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
    'load_weights', 'ReportedError', 'state_dict_of', 'check_folder_path',
    'check_not_input', 'check_number', 'device_option', 'output_folder',
    'private_temp_folder', 'read_json', 'read_json_lines',
    'remove_stale_temp_folders', 'same_path', 'last_checkpoint_of',
    'missing_checkpoint_hint', 'checkpoint_iteration', 'training_only_runner',
    'check_cfg_option_keys', 'check_run_settings', 'add_force_option',
    'check_new_file', 'launcher_rank', 'LOCK_FILE', 'WorkDirInUseError',
    'work_dir_lock'
]
