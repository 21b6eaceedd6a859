# Copyright (c) mmddad contributors. All rights reserved.
"""Which keys a distiller's checkpoint holds, in one place.

- The frozen teacher is left out: it comes from its own checkpoint, and a
  loaded distiller checkpoint keeps the teacher's weights.
- The student's and the generator's keys are the same with or without DDP
  wrappers (no ``module.``): a distributed run resumes in one process and
  the reverse, and ``tools/export_student.py`` gets plain student keys.
- State under :data:`OPTIONAL_PREFIXES` (the replay buffer) may be missing
  or extra: a checkpoint of a run with replay loads where replay is off (the
  buffer is dropped) and the reverse (the buffer starts empty).
  :func:`mmddad.utils.check_weights_fit` reads them from the model's
  ``optional_checkpoint_keys``.
"""
import torch.nn as nn

#: Key prefixes of state a checkpoint may lack or carry without harm.
OPTIONAL_PREFIXES = ('replay.', )
#: Submodules that DDP may wrap (``<name>.module.``).
WRAPPED = ('student', 'generator')


def checkpoint_state(module: nn.Module, state_dict: dict, prefix: str,
                     local_metadata: dict) -> None:
    """State-dict hook: leave the teacher out and drop the DDP wrappers'
    ``module.`` from the student's and the generator's keys."""
    for key in [k for k in state_dict if k.startswith(prefix + 'teacher.')]:
        del state_dict[key]
    for name in WRAPPED:
        wrapped = f'{prefix}{name}.module.'
        if not any(k.startswith(wrapped) for k in state_dict):
            continue
        for key in [k for k in state_dict if k.startswith(wrapped)]:
            state_dict[f'{prefix}{name}.{key[len(wrapped):]}'] = \
                state_dict.pop(key)


def fill_missing_state(module: nn.Module, state_dict: dict, prefix: str,
                       *args) -> None:
    """Load-state-dict pre-hook: the teacher keeps its own weights, and the
    optional state follows the model (dropped where it has none, its own
    where the checkpoint has none of it)."""
    for key, value in module.teacher.state_dict().items():
        state_dict.setdefault(f'{prefix}teacher.{key}', value)
    for optional in OPTIONAL_PREFIXES:
        owner = getattr(module, optional.rstrip('.'), None)
        if owner is None:
            for key in [k for k in state_dict
                        if k.startswith(prefix + optional)]:
                del state_dict[key]
        elif not any(k.startswith(prefix + optional) for k in state_dict):
            # a run without it: keep the model's own; a partial state is
            # left to the owner's own checks
            for key, value in owner.state_dict().items():
                state_dict[f'{prefix}{optional}{key}'] = value


def register_checkpoint_rules(module: nn.Module) -> None:
    """Apply the rules to a distiller's ``state_dict`` and
    ``load_state_dict``."""
    module._register_state_dict_hook(checkpoint_state)
    module._register_load_state_dict_pre_hook(
        fill_missing_state, with_module=True)
