# Copyright (c) mmddad contributors. All rights reserved.
from typing import Optional, Union

import torch.nn as nn

from mmddad.registry import TASK_UTILS
from .base import BaseTaskAdapter
from .classifier_adapter import ClassifierAdapter
from .segmentor_adapter import SegmentorAdapter

__all__ = [
    'BaseTaskAdapter', 'ClassifierAdapter', 'SegmentorAdapter',
    'build_task_adapter'
]


def build_task_adapter(cfg: Optional[Union[dict, BaseTaskAdapter]],
                       model: nn.Module) -> BaseTaskAdapter:
    """Build the adapter named by ``cfg``, or the one that accepts ``model``.

    Args:
        cfg (dict | BaseTaskAdapter, optional): An adapter or its config;
            None picks the registered adapter whose ``accepts(model)`` holds.
        model (nn.Module): The teacher.

    Returns:
        BaseTaskAdapter: The adapter.
    """
    if isinstance(cfg, BaseTaskAdapter):
        return cfg
    if cfg is not None:
        return TASK_UTILS.build(cfg)
    for name, cls in TASK_UTILS.module_dict.items():
        if (isinstance(cls, type) and issubclass(cls, BaseTaskAdapter)
                and cls.accepts(model)):
            return cls()
    raise TypeError(
        f'No task adapter accepts a teacher of type {type(model).__name__}: '
        'mmddad supports MMPretrain classifiers and MMSegmentation '
        'segmentors; a plain PyTorch classifier is one when built as '
        "`model.teacher=dict(type='TorchClassifier', "
        "factory='path/to/file.py:build_fn', checkpoint=..., "
        'data_preprocessor=dict(mean=..., std=..., to_rgb=...))` '
        '(docs/en/user_guides/own_teacher.md, section 4)')
