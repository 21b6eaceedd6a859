# Copyright (c) mmddad contributors. All rights reserved.
from .data_free_ddp import DataFreeDistributedDataParallel
from .unwrap import unwrap_model

__all__ = ['DataFreeDistributedDataParallel', 'unwrap_model']
