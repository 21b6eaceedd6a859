# Copyright (c) mmddad contributors. All rights reserved.
from .data_free_ddp import DataFreeDistributedDataParallel

__all__ = ['DataFreeDistributedDataParallel']
