# Copyright (c) mmddad contributors. All rights reserved.
"""Read a config named by a local path or by ``package::path``."""
from mmengine.config import Config
from mmengine.hub import get_config


def load_config(cfg_path: str) -> Config:
    """Load ``cfg_path``: a local file, or ``'mmpretrain::resnet/x.py'``
    (a config shipped inside an installed OpenMMLab package)."""
    if '::' in cfg_path:
        return get_config(cfg_path)
    return Config.fromfile(cfg_path)
