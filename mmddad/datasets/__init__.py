# Copyright (c) mmddad contributors. All rights reserved.
from .mnist5k import MNIST5k, find_mnist5k_file
from .mnist_canvas_seg import MNISTCanvasSeg

__all__ = ['MNIST5k', 'MNISTCanvasSeg', 'find_mnist5k_file']
