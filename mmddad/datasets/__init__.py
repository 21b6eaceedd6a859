# Copyright (c) mmddad contributors. All rights reserved.
from .camvid import CamVidDataset
from .class_folder import ClassFolderDataset
from .dataset_meta import val_dataset_meta
from .mnist5k import MNIST5k, find_mnist5k_file
from .mnist100 import MNIST100
from .mnist_canvas_seg import MNISTCanvasSeg
from .nyuv2 import NYUv2Dataset
from .png_seg_dataset import PNGSegDataset, make_split_dirs

__all__ = [
    'CamVidDataset', 'ClassFolderDataset', 'MNIST5k', 'MNIST100', 'MNISTCanvasSeg', 'NYUv2Dataset',
    'find_mnist5k_file', 'val_dataset_meta', 'PNGSegDataset',
    'make_split_dirs'
]
