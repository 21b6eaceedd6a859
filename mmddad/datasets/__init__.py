# Copyright (c) mmddad contributors. All rights reserved.
from .mnist5k import MNIST5k, find_mnist5k_file

__all__ = ['MNIST5k', 'find_mnist5k_file']
