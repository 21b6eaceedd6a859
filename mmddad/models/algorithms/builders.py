# Copyright (c) mmddad contributors. All rights reserved.
"""Building a distiller's configured parts: the weighted terms of its two
objectives and its replay policy, each error naming the config key."""
from typing import Optional, Sequence

import torch.nn as nn

from mmddad.registry import MODELS
from ..losses.base_loss_term import BaseLossTerm


def build_terms(cfgs: dict, key: str, teacher: nn.Module,
                required: bool = True) -> nn.ModuleDict:
    """Build the weighted terms of ``model.<key>`` (``generator_losses`` or
    ``student_losses``), drop those of weight 0, and attach the rest to the
    teacher.

    Args:
        cfgs (dict): ``name -> term config``.
        key (str): The config key, for messages.
        teacher (nn.Module): The frozen teacher the terms may hook.
        required (bool): At least one term must remain.

    Returns:
        nn.ModuleDict: ``name -> term``, in config order.

    Raises:
        ValueError: A term's key lacks ``loss`` (MMEngine's ``parse_losses``
            would log it but not train on it); a student term needs what
            only a generator step's teacher forward gives
            (:meth:`BaseLossTerm.recording` or the teacher's features); no
            term remains where one is required.
    """
    if not isinstance(cfgs, dict):
        raise TypeError(f'`model.{key}` must be a dict of name -> loss '
                        f'config, got {cfgs!r}')
    terms = nn.ModuleDict()
    for name, cfg in cfgs.items():
        if cfg is None:
            continue
        if 'loss' not in name:
            raise ValueError(
                f'`model.{key}.{name}`: the key of a term must contain '
                f'"loss" (e.g. `loss_{name}`): the objective sums the values '
                'whose key contains "loss" and only logs the others')
        try:
            term = MODELS.build(cfg)
        except (KeyError, TypeError, ValueError) as e:
            raise type(e)(f'`model.{key}.{name}`: {e}') from e
        if term.loss_weight == 0:
            continue
        if key == 'student_losses' and (
                term.needs_teacher_features
                or type(term).recording is not BaseLossTerm.recording):
            raise ValueError(
                f'`model.{key}.{name}` ({type(term).__name__}) reads what '
                'the teacher\'s forward records, but a student step reuses '
                'the teacher\'s cached logits (replayed images are not run '
                'through the teacher): use it in `model.generator_losses`')
        term.loss_name = name
        term.attach(teacher)
        terms[name] = term
    if required and not terms:
        if key == 'generator_losses':
            raise ValueError(
                'every generator loss weight (`model.generator_losses.*.'
                'loss_weight`) is 0: the generator would learn nothing; set '
                '`model.generator_steps=0` to keep it fixed')
        raise ValueError(
            f'every student loss weight (`model.{key}.*.loss_weight`) is 0: '
            'the student would learn nothing')
    return terms


def build_replay(cfg: Optional[dict], image_shape: Sequence[int],
                 logits_shape: Optional[Sequence[int]],
                 generator_steps: int) -> Optional[nn.Module]:
    """Build the replay policy of ``model.replay`` (None: off; a dict
    without ``type`` is a ``SyntheticReplay``).

    Args:
        cfg (dict, optional): ``model.replay``.
        image_shape (Sequence[int]): (C, H, W) of one generated image.
        logits_shape (Sequence[int], optional): The teacher's logits for
            one image; None: the replay keeps no logits (relabelling).
        generator_steps (int): Generator steps per iteration (with none, a
            full replay share would never see a new image).
    """
    if cfg is None:
        return None
    if not isinstance(cfg, dict):
        raise TypeError('`model.replay` must be a dict (capacity, ratio, '
                        f'dtype) or None, got {cfg!r}')
    cfg = dict(type='SyntheticReplay', **cfg) if 'type' not in cfg \
        else dict(cfg)
    if cfg.get('ratio', 1.0) == 1.0 and generator_steps == 0:
        raise ValueError(
            '`model.replay.ratio=1` with `model.generator_steps=0`: '
            'nothing would add new images after the first batch; lower '
            'the ratio or set `model.replay=None`')
    try:
        return MODELS.build(
            cfg,
            default_args=dict(
                image_shape=image_shape, logits_shape=logits_shape))
    except TypeError as e:
        raise TypeError(f'`model.replay`: {e}') from e
