# Copyright (c) mmddad contributors. All rights reserved.
"""The student of a distillation checkpoint as a plain checkpoint that
MMPretrain / MMSegmentation (or the user's own class) loads with the
student's own config."""
import io
import os.path as osp
from collections import OrderedDict
from typing import Optional

import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from mmddad.models import build_network
from mmddad.utils import (atomic_write, check_new_file, check_not_input,
                          check_weights_fit, describe_checkpoint,
                          load_checkpoint_file, load_config, state_dict_of)

PREFIX = 'student.'


def export_student(checkpoint: str,
                   config: Optional[str] = None,
                   check: bool = True,
                   out: Optional[str] = None,
                   force: bool = False) -> dict:
    """The student's weights and the run's meta, from a run's checkpoint;
    with ``out``, also written there (``tools/export_student.py``).

    Args:
        checkpoint (str): A checkpoint of a distillation run (loaded
            through the allowlist).
        config (str, optional): The distillation config whose student the
            weights must fit; default: the config MMEngine saved in the
            checkpoint (``meta.cfg``).
        check (bool): Check the weights against that student (they must
            cover it exactly). Defaults to True.
        out (str, optional): Write the exported checkpoint to this file
            (checked first: never the checkpoint or config read, even with
            ``force``; an existing file is replaced only with ``force``).
        force (bool): Replace ``out`` if it exists.

    Returns:
        dict: ``state_dict`` (the student's keys, without ``student.``) and
        ``meta`` (``dataset_meta``, versions, seed, iteration and
        ``exported_from``).

    Raises:
        KeyError: The checkpoint holds no student.
        CheckpointMismatchError: The weights do not fit the student.
    """
    if out is not None:
        # even with force: the run's checkpoint is not replaced by its student
        check_not_input(out, 'out', {'the checkpoint': checkpoint,
                                     'the --config file': config})
        check_new_file(out, 'out', force)
    if not osp.isfile(checkpoint) and '://' not in checkpoint:
        raise FileNotFoundError(f'checkpoint "{checkpoint}" does not exist')
    loaded = load_checkpoint_file(checkpoint)
    state = state_dict_of(loaded)
    student = OrderedDict((k[len(PREFIX):], v) for k, v in state.items()
                          if k.startswith(PREFIX))
    if not student:
        raise KeyError(f'"{checkpoint}" holds no `{PREFIX}*` weights: it '
                       f'seems to hold {describe_checkpoint(loaded)}, not a '
                       'distillation run')
    meta = dict(loaded.get('meta') or {})
    meta = {
        k: meta[k]
        for k in ('dataset_meta', 'mmengine_version', 'seed', 'iter')
        if k in meta
    }
    meta['exported_from'] = osp.abspath(checkpoint)
    exported = dict(state_dict=student, meta=meta)
    if check:
        _check_student(exported, _run_config(loaded, config, checkpoint),
                       checkpoint)
    if out is not None:
        save_checkpoint(exported, out)
    return exported


def save_checkpoint(obj: dict, out: str) -> None:
    """Serialise a checkpoint, then write it through a temporary file and a
    rename."""
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    atomic_write(buffer.getvalue(), out)


def _run_config(checkpoint: dict, config: Optional[str],
                source: str) -> Config:
    """The distillation config of the run: ``config``, or the one MMEngine
    saved in the checkpoint's ``meta.cfg``."""
    if config is not None:
        return load_config(config)
    text = (checkpoint.get('meta') or {}).get('cfg')
    if not text:
        raise ValueError(f'"{source}" carries no config (meta.cfg) to check '
                         'its student against: pass --config CONFIG (or '
                         '--partial-load to export unchecked)')
    return Config.fromstring(text, file_format='.py')


def _check_student(exported: dict, cfg: Config, source: str) -> None:
    """Fail unless the exported weights fit the config's student."""
    if 'student' not in cfg.get('model', {}):
        raise KeyError(f'the config of "{source}" has no `model.student`: '
                       'pass the distillation config with --config')
    try:
        with DefaultScope.overwrite_default_scope(
                cfg.get('default_scope', 'mmddad')):
            student = build_network(cfg.model.student, 'model.student')
    except (OSError, ValueError, KeyError) as e:
        raise type(e)(f'cannot build the student to check "{source}" '
                      f'against ({e}); pass --config CONFIG, or '
                      '--partial-load to export unchecked') from e
    check_weights_fit(student, exported, f'the student of "{source}"',
                      'the student of its config', opt_out='--partial-load')
