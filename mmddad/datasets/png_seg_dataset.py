# Copyright (c) mmddad contributors. All rights reserved.
"""Segmentation folders of PNG images and PNG label-id maps."""
import os
import os.path as osp
from typing import Tuple

from mmseg.datasets import BaseSegDataset


class PNGSegDataset(BaseSegDataset):
    """MMSeg's ``img_dir/`` + ``ann_dir/`` layout with ``.png`` images and
    label maps whose ids are the class indices (255 ignored), as the
    converters in ``tools/dataset_converters/`` write them.

    A missing image folder is reported with the command that makes it
    (``CONVERTER``).

    Args:
        img_suffix (str): Suffix of images. Defaults to ``'.png'``.
        seg_map_suffix (str): Suffix of label maps. Defaults to ``'.png'``.
        **kwargs: Passed to :class:`mmseg.datasets.BaseSegDataset`
            (``data_root``, ``data_prefix``, ``pipeline``, ...).
    """

    #: The README's command that writes the folders, for error messages.
    CONVERTER: str = ''

    def __init__(self,
                 img_suffix: str = '.png',
                 seg_map_suffix: str = '.png',
                 **kwargs) -> None:
        img_dir = osp.join(
            kwargs.get('data_root') or '',
            (kwargs.get('data_prefix') or {}).get('img_path', ''))
        if not kwargs.get('lazy_init') and not osp.isdir(img_dir):
            raise FileNotFoundError(
                f'{type(self).__name__}: image folder "{img_dir}" '
                '(`data_root` + `data_prefix.img_path`) does not exist. '
                f'Prepare the data set with `{self.CONVERTER}` (see '
                'docs/en/benchmarks.md, CamVid and NYUv2), or set `data_root` '
                'to where it is.')
        super().__init__(
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            reduce_zero_label=False,
            **kwargs)


def make_split_dirs(out_dir: str, split: str) -> Tuple[str, str]:
    """Create (if needed) and return the image and label folders of one
    split of the layout :class:`PNGSegDataset` reads:
    ``out_dir/img_dir/<split>`` and ``out_dir/ann_dir/<split>``."""
    folders = (osp.join(out_dir, 'img_dir', split),
               osp.join(out_dir, 'ann_dir', split))
    for folder in folders:
        os.makedirs(folder, exist_ok=True)
    return folders
