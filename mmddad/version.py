# Copyright (c) mmddad contributors. All rights reserved.
__version__ = '0.2.0.dev0'
