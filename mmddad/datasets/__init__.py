# Copyright (c) mmddad contributors. All rights reserved.
from .camvid import CamVidDataset
from .mnist5k import MNIST5k, find_mnist5k_file
from .mnist_canvas_seg import MNISTCanvasSeg
from .nyuv2 import NYUv2Dataset

__all__ = [
    'CamVidDataset', 'MNIST5k', 'MNISTCanvasSeg', 'NYUv2Dataset',
    'find_mnist5k_file'
]
