# Copyright (c) mmddad contributors. All rights reserved.
from .non_finite_loss_hook import NonFiniteLossHook
from .synthetic_image_visualization_hook import SyntheticImageVisualizationHook

__all__ = ['NonFiniteLossHook', 'SyntheticImageVisualizationHook']
