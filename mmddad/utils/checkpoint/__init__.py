# Copyright (c) mmddad contributors. All rights reserved.
"""Checkpoints: loaded safely (an allowlist of types, installed into
MMEngine's loader by :func:`install_safe_loader`), checked against a model,
chosen to resume from, written atomically and kept beyond rotation."""
from .atomic_backend import AtomicLocalBackend
from .keeping import (LAST_CHECKPOINT, Repointed, hidden_link_path,
                      link_checkpoint, link_saved_checkpoint,
                      remove_hidden_links, remove_links,
                      repoint_last_checkpoint)
from .resume import (checkpoint_damage, checkpoint_iteration,
                     resume_override_warnings, select_resume_checkpoint)
from .safe_loading import (CHECKPOINT_ALLOWLIST, TRUST_ENV,
                           UnreadableCheckpointError, UnsafeCheckpointError,
                           install_safe_loader, safe_torch_load,
                           trust_checkpoints)
from .weights_fit import (CheckpointMismatchError, check_resumable,
                          check_runner_checkpoint, check_weights_fit,
                          describe_checkpoint, load_checkpoint_file,
                          load_weights, state_dict_of)

__all__ = [
    'AtomicLocalBackend', 'LAST_CHECKPOINT', 'Repointed', 'hidden_link_path',
    'link_checkpoint', 'link_saved_checkpoint', 'remove_hidden_links',
    'remove_links', 'repoint_last_checkpoint', 'checkpoint_damage',
    'checkpoint_iteration', 'resume_override_warnings',
    'select_resume_checkpoint', 'CHECKPOINT_ALLOWLIST', 'TRUST_ENV',
    'UnreadableCheckpointError', 'UnsafeCheckpointError',
    'install_safe_loader', 'safe_torch_load', 'trust_checkpoints',
    'CheckpointMismatchError', 'check_resumable', 'check_runner_checkpoint',
    'check_weights_fit', 'describe_checkpoint', 'load_checkpoint_file',
    'load_weights', 'state_dict_of'
]
