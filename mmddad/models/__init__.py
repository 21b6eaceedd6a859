# Copyright (c) mmddad contributors. All rights reserved.
from .algorithms import *  # noqa: F401,F403
from .augmentations import *  # noqa: F401,F403
from .classifiers import *  # noqa: F401,F403
from .generators import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .network_builder import build_network, network_input_size
from .task_adapters import *  # noqa: F401,F403
from .wrappers import *  # noqa: F401,F403

__all__ = ['build_network', 'network_input_size']
