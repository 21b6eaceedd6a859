# Copyright (c) mmddad contributors. All rights reserved.
from .adversarial_loss import AdversarialLoss
from .base_loss_term import BaseGeneratorLoss, BaseLossTerm
from .bn_statistics_loss import BNStatisticsLoss, batch_mean_var
from .dafl_losses import ActivationLoss, InformationEntropyLoss, OneHotLoss
from .discrepancy_losses import (BaseDiscrepancyLoss, LogitsKLLoss,
                                 LogitsL1Loss)
from .discrepancy_term import DiscrepancyLoss
from .fast_losses import AgreementMaskedKLLoss, RandomTargetCrossEntropyLoss

__all__ = [
    'BaseLossTerm', 'BaseGeneratorLoss', 'BNStatisticsLoss', 'batch_mean_var',
    'AdversarialLoss', 'DiscrepancyLoss', 'BaseDiscrepancyLoss',
    'LogitsL1Loss', 'LogitsKLLoss',
    'OneHotLoss', 'InformationEntropyLoss', 'ActivationLoss',
    'RandomTargetCrossEntropyLoss', 'AgreementMaskedKLLoss'
]
