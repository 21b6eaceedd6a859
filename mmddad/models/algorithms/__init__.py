# Copyright (c) mmddad contributors. All rights reserved.
from .base_distiller import BaseDataFreeDistiller
from .data_kd import DataKD
from .ddad import DDAD
from .fast_meta_ddad import FastMetaDDAD
from .replay import SyntheticReplay, SyntheticReplayBuffer
from .term_balance import generator_term_gradients

__all__ = [
    'BaseDataFreeDistiller', 'DataKD', 'DDAD', 'FastMetaDDAD',
    'SyntheticReplay', 'SyntheticReplayBuffer', 'generator_term_gradients'
]
