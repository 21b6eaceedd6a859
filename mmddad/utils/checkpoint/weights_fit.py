# Copyright (c) mmddad contributors. All rights reserved.
"""Does a checkpoint fit a model? Checked before a tool uses its weights.

MMEngine loads ``load_from`` (and ``tools/test.py``'s checkpoint) with
``strict=False``: a checkpoint of another model only warns, and the metric
that follows is that of randomly initialised weights. The checks below
compare the checkpoint with the model first and fail with one line that
names the file, a few missing and unexpected keys, and what the file seems
to hold (a distillation run, an exported student, a supervised model).
"""
import logging
import re
import warnings
from typing import Any, Dict, List, Optional, Tuple

import torch
import torch.nn as nn
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.runner.checkpoint import _load_checkpoint, load_state_dict

from ..errors import ReportedError
from .resume import resume_override_warnings
from .safe_loading import UnreadableCheckpointError, install_safe_loader

#: How many keys an error lists of each kind.
SHOWN_KEYS = 3


class CheckpointMismatchError(ReportedError, RuntimeError):
    """A checkpoint's weights do not fit the model they are loaded into."""


def load_checkpoint_file(source: str) -> Dict[str, Any]:
    """Read a checkpoint (local path or URL) as MMEngine's runner does,
    through mmddad's safe loader (a URL's download in torch's hub cache
    too), installed first (:func:`install_safe_loader`)."""
    install_safe_loader()
    return _load_checkpoint(source, map_location='cpu')


def state_dict_of(checkpoint: Any) -> Dict[str, Any]:
    """The weights of a checkpoint (its ``state_dict``, or the dict itself),
    without DDP's ``module.`` prefix, as MMEngine's loader revises them."""
    if not isinstance(checkpoint, dict):
        return {}
    state = checkpoint.get('state_dict', checkpoint)
    if not isinstance(state, dict):
        return {}
    return {
        re.sub(r'^module\.', '', k): v
        for k, v in state.items() if isinstance(k, str)
    }


def describe_checkpoint(checkpoint: Any) -> str:
    """What a loaded checkpoint seems to hold, in a few words."""
    state = state_dict_of(checkpoint)
    if not state:
        return 'no model weights'
    meta = (checkpoint.get('meta') or {}) if isinstance(checkpoint,
                                                        dict) else {}
    modules = sorted({k.split('.', 1)[0] for k in state})
    when = ', '.join(f'{k} {meta[k]}' for k in ('epoch', 'iter')
                     if meta.get(k))
    when = f' ({when})' if when else ''
    if meta.get('exported_from'):
        return ('an exported student (tools/export_student.py of '
                f'"{meta["exported_from"]}")')
    if 'student' in modules and 'generator' in modules:
        return f'a distillation run (student and generator){when}'
    if 'optimizer' in checkpoint and 'message_hub' in checkpoint:
        return ('a supervised training run (a teacher or a with-data model '
                f'with {", ".join(modules)}){when}')
    return f'model weights ({", ".join(modules)}) without training state'


def _examples(keys: List[str]) -> str:
    shown = ', '.join(keys[:SHOWN_KEYS])
    more = len(keys) - SHOWN_KEYS
    return shown + (f' and {more} more' if more > 0 else '')


def weights_mismatch(model: nn.Module, state: Dict[str, Any]
                     ) -> Tuple[List[str], List[str], List[str]]:
    """Compare checkpoint weights with a model, without loading them.

    The model's keys are those of its ``state_dict()`` (a distillation
    model's leave its frozen teacher out). Keys under the prefixes of the
    model's ``optional_checkpoint_keys`` (e.g. a replay buffer) may be
    missing or extra, and BN's ``num_batches_tracked`` missing, as their
    loaders allow.

    Args:
        model (nn.Module): The model (unwrapped).
        state (dict): The checkpoint's weights (:func:`state_dict_of`).

    Returns:
        tuple[list[str], list[str], list[str]]: Missing keys, unexpected
        keys, and ``key (file shape vs model shape)`` of each key whose
        shapes differ.
    """
    optional = tuple(getattr(model, 'optional_checkpoint_keys', ()))
    own = model.state_dict()
    shapes = [
        f'{k} ({tuple(state[k].shape)} in the file, {tuple(v.shape)} in '
        'the model)' for k, v in own.items()
        if k in state and isinstance(state[k], torch.Tensor)
        and isinstance(v, torch.Tensor) and state[k].shape != v.shape
        and not k.startswith(optional)
    ]
    missing = [
        k for k in own if k not in state and not k.startswith(optional)
        and not k.endswith('num_batches_tracked')
    ]
    unexpected = [
        k for k in state if k not in own and not k.startswith(optional)
    ]
    return missing, unexpected, shapes


def check_weights_fit(model: nn.Module,
                      checkpoint: Dict[str, Any],
                      source: str,
                      target: str,
                      strict: bool = True,
                      opt_out: Optional[str] = None) -> None:
    """Fail unless the checkpoint's weights cover the model.

    Args:
        model (nn.Module): The model the weights are for (unwrapped).
        checkpoint (dict): The loaded checkpoint.
        source (str): How to name the file (e.g. ``'--resume "x.pth"'``).
        target (str): How to name the model (e.g. ``'the model of
            configs/x.py'``).
        strict (bool): Fail on any missing or unexpected key. Otherwise
            (``load_from`` in training) warn with their counts, and fail
            only if no weight of the model is in the file (keys whose shapes
            differ are skipped, as MMEngine's loader skips them).
        opt_out (str, optional): The option that loads partially anyway,
            named in the error.

    Raises:
        CheckpointMismatchError: The weights do not fit.
    """
    state = state_dict_of(checkpoint)
    missing, unexpected, shapes = weights_mismatch(model, state)
    if not (missing or unexpected or shapes):
        return
    matched = sum(k in state for k in model.state_dict()) - len(shapes)
    parts = []
    if shapes:
        parts.append(f'{len(shapes)} keys of another shape: '
                     f'{_examples(shapes)}')
    if missing:
        parts.append(f'{len(missing)} of the model\'s keys missing: '
                     f'{_examples(missing)}')
    if unexpected:
        parts.append(f'{len(unexpected)} unexpected keys: '
                     f'{_examples(unexpected)}')
    summary = (f'{source} does not fit {target}: {"; ".join(parts)}. The '
               f'file seems to hold {describe_checkpoint(checkpoint)}.')
    if not strict and matched > 0:
        # as MMEngine's own non-strict loading (e.g. a new head size)
        warnings.warn(f'{summary} Loading the {matched} keys that match.')
        return
    hint = _hint(checkpoint)
    raise CheckpointMismatchError(
        summary + (f' {hint}' if hint else '') +
        (f' To load the matching keys anyway, pass {opt_out}.'
         if opt_out and not shapes and matched > 0 else ''))


def _hint(checkpoint: Dict[str, Any]) -> str:
    """What to do with a file of that kind."""
    modules = {k.split('.', 1)[0] for k in state_dict_of(checkpoint)}
    if 'student' in modules and 'generator' in modules:
        return ('Use it with its distillation config, or export its student '
                'first (tools/export_student.py) for the student\'s config.')
    return ('A model\'s own weights go with that model\'s config (e.g. a '
            'teacher recipe, or the student\'s config for an exported '
            'student).')


def select_weights(checkpoint: Any, key: Optional[str], prefix: Optional[str],
                   name: str) -> Dict[str, Any]:
    """The checkpoint with its weights taken from a nested key and stripped
    of a prefix, as third-party files store them (e.g. ``{'net': {...}}``,
    ``model.`` before every key).

    Args:
        checkpoint (Any): The loaded file.
        key (str, optional): Dotted path of the weights in the file (e.g.
            ``'state_dict'``, ``'model.ema'``); None: as
            :func:`state_dict_of` finds them.
        prefix (str, optional): A prefix every weight key has, removed.
        name (str): How to name the file in errors.

    Returns:
        dict: ``{'state_dict': weights}`` plus the file's ``meta``.
    """
    state = checkpoint
    if key:
        for part in key.split('.'):
            if not isinstance(state, dict) or part not in state:
                found = sorted(state)[:8] if isinstance(state, dict) else []
                raise KeyError(f'{name} has no `{key}` (checkpoint_key); its '
                               f'top-level keys: {found}')
            state = state[part]
    state = state_dict_of(state if key else checkpoint)
    if prefix:
        if not any(k.startswith(prefix) for k in state):
            raise KeyError(f'{name}: no weight key starts with '
                           f'"{prefix}" (checkpoint_prefix), e.g. '
                           f'{_examples(sorted(state))}')
        state = {k[len(prefix):] if k.startswith(prefix) else k: v
                 for k, v in state.items()}
    meta = checkpoint.get('meta') if isinstance(checkpoint, dict) else None
    return dict(state_dict=state, meta=meta or {})


def load_weights(model: nn.Module,
                 source: str,
                 name: Optional[str] = None,
                 target: str = 'the model',
                 strict: bool = True,
                 opt_out: Optional[str] = None,
                 key: Optional[str] = None,
                 prefix: Optional[str] = None) -> Dict[str, Any]:
    """Load a checkpoint's weights into a model after
    :func:`check_weights_fit`.

    Args:
        model (nn.Module): The model (DDP-wrapped submodules are fine).
        source (str): Local path or URL.
        name (str, optional): How to name the file in errors (e.g. the
            config key that points at it). Defaults to ``checkpoint "..."``.
        target, strict, opt_out: As in :func:`check_weights_fit`.
        key, prefix: Where the weights are in the file, see
            :func:`select_weights`.

    Returns:
        dict: The checkpoint.
    """
    name = name or f'checkpoint "{source}"'
    try:
        checkpoint = load_checkpoint_file(source)
    except UnreadableCheckpointError as e:  # name the key that points at it
        raise UnreadableCheckpointError(f'{name}: {e}') from e
    if key or prefix:
        checkpoint = select_weights(checkpoint, key, prefix, name)
    check_weights_fit(model, checkpoint, name, target, strict, opt_out)
    load_state_dict(model, state_dict_of(checkpoint), strict=False)
    return checkpoint


def check_resumable(checkpoint: Dict[str, Any],
                    source: str,
                    model: Optional[nn.Module] = None) -> None:
    """Fail unless the checkpoint holds a training state to resume from
    (``meta.iter``/``epoch``, the optimiser and the message hub that
    MMEngine's runner writes).

    Args:
        checkpoint (dict): The loaded checkpoint.
        source (str): Its path.
        model (nn.Module, optional): The model to resume (unwrapped): the
            error then offers only an option that takes the file's weights.

    Raises:
        CheckpointMismatchError: It holds weights only, saying what they are
            and how to start a new run from them instead.
    """
    meta = checkpoint.get('meta') if isinstance(checkpoint, dict) else None
    lacking = [
        name for name, present in (
            ('meta.iter', isinstance(meta, dict) and 'iter' in meta),
            ('meta.epoch', isinstance(meta, dict) and 'epoch' in meta),
            ('optimizer', 'optimizer' in checkpoint),
            ('message_hub', 'message_hub' in checkpoint))
        if not present
    ]
    if lacking:
        raise CheckpointMismatchError(
            f'--resume "{source}": it holds {describe_checkpoint(checkpoint)}'
            f', not a training state to resume (no {", ".join(lacking)}). '
            'Resume from a checkpoint that training this config wrote'
            + _new_run_hint(model, checkpoint, source))


def _new_run_hint(model: Optional[nn.Module], checkpoint: Dict[str, Any],
                  source: str) -> str:
    """The option that starts a new run from a file's weights, if one
    takes them: ``model.student.checkpoint`` for a network's own weights
    that fit the student exactly (an exported student), ``load_from`` for
    weights of the model (which it loads non-strictly)."""
    load_from = (f', or start a new run from its weights with --cfg-options '
                 f'load_from={source} (without --resume).')
    if model is None:
        return load_from
    state = state_dict_of(checkpoint)
    student = getattr(model, 'student', None)
    if is_model_wrapper(student):  # a per-submodule DDP
        student = student.module
    if isinstance(student, nn.Module) and not any(
            weights_mismatch(student, state)):
        return (', or start a new run with these weights as the student\'s:'
                f' --cfg-options model.student.checkpoint={source} (without '
                '--resume).')
    _, _, shapes = weights_mismatch(model, state)
    if sum(k in state for k in model.state_dict()) - len(shapes) > 0:
        return load_from
    return ('; its weights fit neither the model of this config nor its '
            'student, so no new run can start from them either.')


def check_runner_checkpoint(runner,
                            cfg_options: Optional[Dict[str, Any]] = None
                            ) -> None:
    """Check the checkpoint a runner will resume or load, before training.

    ``--resume``: the file must hold a training state whose weights fit the
    model exactly (another student architecture would otherwise fail deep
    inside the optimiser), and each ``--cfg-options`` key whose new value
    the resumed state overrides is logged as a warning. ``load_from``: a
    warning with the counts of missing and unexpected keys, and an error
    when no weight of the model is in the file.

    Args:
        runner (Runner): A runner built from its config, not yet trained.
        cfg_options (dict, optional): The command line's overrides.
    """
    cfg = runner.cfg
    source = cfg.get('load_from')
    if not source:
        return
    checkpoint = load_checkpoint_file(source)
    model = runner.model.module if is_model_wrapper(
        runner.model) else runner.model  # (utils cannot import mmddad.models)
    target = f'the model of {cfg.filename or "the config"}'
    if cfg.get('resume'):
        check_resumable(checkpoint, source, model)
        check_weights_fit(model, checkpoint, f'--resume "{source}"', target)
        for line in resume_override_warnings(cfg_options, checkpoint):
            print_log(line, logger='current', level=logging.WARNING)
    else:
        check_weights_fit(model, checkpoint, f'load_from "{source}"', target,
                          strict=False)
