# Copyright (c) mmddad contributors. All rights reserved.
from .data_free_train_loop import DataFreeTrainLoop, LatentStream

__all__ = ['DataFreeTrainLoop', 'LatentStream']
