# Copyright (c) mmddad contributors. All rights reserved.
from .bn_statistics_loss import BNStatisticsLoss, batch_mean_var
from .dafl_losses import InformationEntropyLoss, OneHotLoss
from .discrepancy_losses import LogitsKLLoss, LogitsL1Loss

__all__ = [
    'BNStatisticsLoss', 'batch_mean_var', 'LogitsL1Loss', 'LogitsKLLoss',
    'OneHotLoss', 'InformationEntropyLoss'
]
