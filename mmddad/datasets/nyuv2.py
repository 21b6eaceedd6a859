# Copyright (c) mmddad contributors. All rights reserved.
"""NYU Depth v2 semantic segmentation with the 13-class labels."""
from mmddad.registry import DATASETS
from .png_seg_dataset import PNGSegDataset


@DATASETS.register_module()
class NYUv2Dataset(PNGSegDataset):
    """NYUv2 (Silberman et al., 2012), 13 classes (Couprie et al., 2013),
    the 795 / 654 train / test split, 480x640 RGB.

    Not MMSegmentation's ``NYUDataset``, which serves depth. Prepare the
    folders with ``tools/dataset_converters/nyuv2.py`` from
    ``nyu_depth_v2_labeled.mat``; it writes::

        data/nyuv2/
          img_dir/{train,test}/<index>.png   # 0001.png ... (1-based, as NYU)
          ann_dir/{train,test}/<index>.png   # ids 0-12, 255 = unlabelled

    Args:
        img_suffix (str): Suffix of images. Defaults to ``'.png'``.
        seg_map_suffix (str): Suffix of label maps. Defaults to ``'.png'``.
        **kwargs: Passed to :class:`mmseg.datasets.BaseSegDataset`.
    """

    CONVERTER = ('python tools/dataset_converters/nyuv2.py '
                 'nyu_depth_v2_labeled.mat --mapping40 classMapping40.mat '
                 '--splits splits.mat -o data/nyuv2')
    METAINFO = dict(
        classes=('bed', 'books', 'ceiling', 'chair', 'floor', 'furniture',
                 'objects', 'picture', 'sofa', 'table', 'tv', 'wall',
                 'window'),
        palette=[[0, 0, 255], [232, 88, 47], [0, 217, 0], [148, 0, 240],
                 [222, 241, 23], [255, 205, 205], [0, 223, 228],
                 [106, 135, 204], [116, 28, 41], [240, 35, 235],
                 [0, 166, 156], [249, 139, 0], [225, 228, 194]])
