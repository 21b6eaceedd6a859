# Copyright (c) mmddad contributors. All rights reserved.
from .non_finite_loss_hook import NonFiniteLossHook

__all__ = ['NonFiniteLossHook']
