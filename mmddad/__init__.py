# Copyright (c) mmddad contributors. All rights reserved.
"""mmddad: data-free distillation (DDAD) for OpenMMLab models.

Importing the package registers every module in the ``mmddad`` scope and
routes local checkpoint loading through an allowlist (see
:mod:`mmddad.utils.safe_checkpoint`).
"""
from .version import __version__
from . import utils  # noqa: F401,E402  (safe checkpoint loading first)
from . import datasets, engine, models  # noqa: F401,E402

__all__ = ['__version__']
