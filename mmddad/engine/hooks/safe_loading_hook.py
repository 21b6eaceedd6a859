# Copyright (c) mmddad contributors. All rights reserved.
"""Install the safe checkpoint loader where a config's runner starts."""
from mmengine.hooks import Hook

from mmddad.registry import HOOKS
from mmddad.utils import install_safe_loader


@HOOKS.register_module()
class SafeLoadingHook(Hook):
    """Route the run's checkpoint loading through mmddad's allowlist
    (:func:`~mmddad.utils.install_safe_loader`).

    Importing mmddad changes no loader; the tools and the API install it
    themselves. This hook covers a runner built from a config by other code
    (``Runner.from_cfg(cfg)`` in a user's script, MMPretrain's or MMSeg's
    own tools): MMEngine builds the hooks in ``Runner.__init__``, before
    ``load_from`` and ``resume`` are read, so the loader is installed when
    the hook is built. It is one of ``default_hooks`` of
    ``configs/_base_/default_runtime.py``, which every mmddad config
    inherits.
    """

    priority = 'HIGHEST'

    def __init__(self) -> None:
        install_safe_loader()
