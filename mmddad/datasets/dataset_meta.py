# Copyright (c) mmddad contributors. All rights reserved.
"""Class names of a config's evaluation data, without building it."""
from mmengine.config import Config

from mmddad.registry import DATASETS


def val_dataset_meta(cfg: Config) -> dict:
    """``METAINFO`` (``classes``, ``palette``) of the class of the config's
    validation dataset, for teachers whose checkpoint carries none.

    Args:
        cfg (Config): A distillation config.

    Returns:
        dict: The class's ``METAINFO``; empty when the config has no
        validation dataset or its type is unknown.
    """
    dataset = (cfg.get('val_dataloader') or {}).get('dataset') or {}
    try:
        dataset_cls = DATASETS.get(dataset.get('type'))
    except Exception:  # noqa: BLE001 - an unknown type: no class names
        return {}
    return dict(getattr(dataset_cls, 'METAINFO', {}) or {})
