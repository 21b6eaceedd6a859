# Copyright (c) mmddad contributors. All rights reserved.
"""mmddad: data-free distillation (DDAD) for OpenMMLab models.

Importing the package registers every module in the ``mmddad`` scope; it
changes no global checkpoint loader. The tools, the entry points of
:mod:`mmddad.apis` and the data-free training loop route checkpoint loading
through an allowlist (:func:`mmddad.utils.install_safe_loader`).
"""
from .version import __version__
from . import utils  # noqa: F401,E402
from . import datasets, engine, models  # noqa: F401,E402

__all__ = ['__version__']
