# Copyright (c) mmddad contributors. All rights reserved.
from .amp import enable_amp
from .checkpoint import (CHECKPOINT_ALLOWLIST, TRUST_ENV, AtomicLocalBackend,
                         CheckpointMismatchError, UnreadableCheckpointError,
                         UnsafeCheckpointError, check_resumable,
                         check_runner_checkpoint, check_weights_fit,
                         checkpoint_damage, checkpoint_iteration,
                         describe_checkpoint, install_safe_loader,
                         load_checkpoint_file, load_weights,
                         resume_override_warnings, safe_torch_load,
                         select_resume_checkpoint, state_dict_of,
                         trust_checkpoints)
from .config_loading import (last_checkpoint_of, load_config,
                             missing_checkpoint_hint)
from .cpu_distributed import init_cpu_process_group, shutdown_process_group
from .errors import ReportedError
from .files import (IndexedOutputFolder, atomic_write, check_folder_path,
                    check_new_file, check_not_input, indexed_paths,
                    output_folder, private_temp_folder, read_json,
                    read_json_lines, remove_stale_temp_folders, same_path)
from .malloc_tuning import tune_malloc
from .runner_utils import (keep_config_copy, launcher_rank,
                           training_only_runner)
from .validation import (check_cfg_option_keys, check_number,
                         check_run_settings)
from .work_dir_lock import LOCK_FILE, WorkDirInUseError, work_dir_lock

__all__ = [
    'indexed_paths', 'IndexedOutputFolder',
    'AtomicLocalBackend', 'atomic_write', 'CHECKPOINT_ALLOWLIST', 'TRUST_ENV',
    'UnsafeCheckpointError', 'UnreadableCheckpointError', 'enable_amp',
    'init_cpu_process_group', 'install_safe_loader', 'load_config',
    'safe_torch_load', 'shutdown_process_group', 'trust_checkpoints',
    'tune_malloc', 'keep_config_copy', 'checkpoint_damage',
    'resume_override_warnings', 'select_resume_checkpoint',
    'CheckpointMismatchError', 'check_resumable', 'check_runner_checkpoint',
    'check_weights_fit', 'describe_checkpoint', 'load_checkpoint_file',
    'load_weights', 'ReportedError', 'state_dict_of', 'check_folder_path',
    'check_not_input', 'check_number', 'output_folder',
    'private_temp_folder', 'read_json', 'read_json_lines',
    'remove_stale_temp_folders', 'same_path', 'last_checkpoint_of',
    'missing_checkpoint_hint', 'checkpoint_iteration', 'training_only_runner',
    'check_cfg_option_keys', 'check_run_settings', 'check_new_file',
    'launcher_rank', 'LOCK_FILE', 'WorkDirInUseError', 'work_dir_lock'
]
