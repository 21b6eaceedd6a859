# Copyright (c) mmddad contributors. All rights reserved.
from .ddad import DDAD

__all__ = ['DDAD']
