# Copyright (c) mmddad contributors. All rights reserved.
"""Build a distiller from its config and load a checkpoint into it: the one
place that does, as MMPretrain's and MMSeg's ``init_model``."""
from typing import Optional, Union

import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.runner.checkpoint import load_state_dict

from mmddad.registry import MODELS
from mmddad.utils import (check_weights_fit, describe_checkpoint,
                          install_safe_loader, load_checkpoint_file,
                          load_config, state_dict_of)


def init_distiller(config: Union[str, Config],
                   checkpoint: Optional[str] = None,
                   device: Union[str, torch.device] = 'cpu',
                   with_replay: bool = False,
                   accept_student: bool = False,
                   seed: Optional[int] = None) -> nn.Module:
    """Build the distiller of a config and load a checkpoint of its run.

    Args:
        config (str | Config): A distillation config (its ``model`` holds
            ``teacher``, ``student`` and ``generator``), or its path.
        checkpoint (str, optional): A checkpoint of the run (local path or
            URL, loaded through the allowlist; its weights must fit the
            model exactly, the replay buffer may be absent). None keeps the
            initial weights (``init_weights``).
        device (str | torch.device): Where the model goes. Defaults to
            ``'cpu'``.
        with_replay (bool): Build the replay buffer too (tools that only
            draw images or export do not need its memory). Defaults to False.
        accept_student (bool): Also take an exported student
            (``tools/export_student.py``) and load it into ``student``; the
            generator then keeps its initial weights. Defaults to False.
        seed (int, optional): Seed torch before building, so that the
            initial weights are reproducible.

    Returns:
        nn.Module: The distiller in eval mode, with ``cfg`` (the config) and
        ``checkpoint_info`` (``modules``: the top-level modules the
        checkpoint held, ``description``: what it holds; None without a
        checkpoint) set.

    Raises:
        KeyError: The config is not a distillation config.
        CheckpointMismatchError: The checkpoint does not fit the model.
    """
    install_safe_loader()  # also for weights a network's init_cfg loads
    cfg = load_config(config) if isinstance(config, str) else config
    model_cfg = (cfg.get('model') or {}).copy()
    lacking = [k for k in ('teacher', 'student', 'generator')
               if k not in model_cfg]
    if lacking:
        raise KeyError(f'the config has no `model.{lacking[0]}`: a '
                       'distillation config (teacher, student and generator) '
                       'is needed')
    if not with_replay:
        model_cfg.replay = None
    if seed is not None:
        torch.manual_seed(seed)
    with DefaultScope.overwrite_default_scope(
            cfg.get('default_scope', 'mmddad')):
        model = MODELS.build(model_cfg)
    model.cfg = cfg
    model.checkpoint_info = None
    if checkpoint is None:
        model.init_weights()
    else:
        loaded = load_checkpoint_file(checkpoint)
        name = f'checkpoint "{checkpoint}"'
        modules = {k.split('.', 1)[0] for k in state_dict_of(loaded)}
        if 'student' in modules or not accept_student:  # a run's checkpoint
            check_weights_fit(model, loaded, name, 'the model of the config')
            load_state_dict(model, state_dict_of(loaded), strict=False)
        else:  # an exported student
            check_weights_fit(model.student, loaded, name,
                              'the student of the config')
            load_state_dict(model.student, state_dict_of(loaded))
            modules = {'student'}
        model.checkpoint_info = dict(
            modules=modules, description=describe_checkpoint(loaded))
    return model.to(device).eval()
