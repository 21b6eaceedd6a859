# Copyright (c) mmddad contributors. All rights reserved.
from .class_count_check_hook import ClassCountCheckHook
from .collapse_guard_hook import (HEADLINE_METRICS, CollapseGuardHook,
                                  TrainingCollapseError)
from .data_free_ema_hook import DataFreeEMAHook
from .non_finite_loss_hook import NonFiniteLossHook
from .prediction_painting_hook import PredictionPaintingHook
from .safe_loading_hook import SafeLoadingHook
from .synthetic_image_visualization_hook import SyntheticImageVisualizationHook
from ..run_records import CURVE_FILE, time_to_reach
from .training_clock_hook import TrainingClockHook

__all__ = [
    'ClassCountCheckHook', 'CollapseGuardHook', 'HEADLINE_METRICS',
    'TrainingCollapseError',
    'DataFreeEMAHook', 'NonFiniteLossHook', 'PredictionPaintingHook',
    'SafeLoadingHook',
    'SyntheticImageVisualizationHook',
    'TrainingClockHook', 'CURVE_FILE', 'time_to_reach'
]
