# Copyright (c) mmddad contributors. All rights reserved.
"""Read a config named by a local path or by ``package::path``."""
import os.path as osp

from mmengine.config import Config
from mmengine.hub import get_config


def load_config(cfg_path: str) -> Config:
    """Load ``cfg_path``: a local file, or ``'mmpretrain::resnet/x.py'``
    (a config shipped inside an installed OpenMMLab package).

    Raises:
        FileNotFoundError: A local file that does not exist.
        SyntaxError: The file (or one it inherits) is not valid Python; the
            message names it and the line (MMEngine names ``<unknown>``).
    """
    if '::' in cfg_path:
        return get_config(cfg_path)
    if not osp.isfile(cfg_path):
        raise FileNotFoundError(f'config file "{cfg_path}" does not exist')
    try:
        return Config.fromfile(cfg_path)
    except SyntaxError as e:
        where = (f'"{e.filename}"' if e.filename not in (None, '<unknown>')
                 else f'"{cfg_path}" (or a file it inherits)')
        raise SyntaxError(f'config {where}, line {e.lineno}: {e.msg}: '
                          f'{(e.text or "").strip()}') from None
