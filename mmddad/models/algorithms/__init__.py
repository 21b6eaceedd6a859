# Copyright (c) mmddad contributors. All rights reserved.
from .base_distiller import BaseDataFreeDistiller
from .data_kd import DataKD
from .ddad import DDAD
from .fast_meta_ddad import FastMetaDDAD
from .replay_policy import SyntheticReplay

__all__ = ['BaseDataFreeDistiller', 'DataKD', 'DDAD', 'FastMetaDDAD', 'SyntheticReplay']
