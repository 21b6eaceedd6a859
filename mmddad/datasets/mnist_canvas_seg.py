# Copyright (c) mmddad contributors. All rights reserved.
"""The embedded segmentation task: real MNIST digits placed on canvases."""
from typing import List, Optional

import cv2
import numpy as np
from mmseg.datasets import BaseSegDataset

from mmddad.registry import DATASETS
from .mnist5k import MNIST5k


@DATASETS.register_module()
class MNISTCanvasSeg(BaseSegDataset):
    """Deterministic segmentation set built from the embedded MNIST digits.

    Each ``canvas_size`` x ``canvas_size`` canvas holds 1 to ``max_digits``
    real digits (28x28, from the MNIST5k split of the same name) at random
    places; a pixel's label is its digit's class + 1 where the digit's ink is
    above ``ink_threshold`` or within ``label_margin`` pixels of such ink,
    0 (background) elsewhere: 11 classes. Digit regions never overlap (each
    digit gets ``max_tries`` random places, else it is left out), so every
    label is unambiguous. The margin makes a digit's region a few pixels
    wider than its 2-3 pixel strokes, as objects in real scenes are wider
    than a DeepLab's output stride.
    Canvases and digits are fixed by ``seed``: the same set every time.

    Args:
        split (str): ``'train'`` or ``'test'``; canvases use only the digits
            of that MNIST5k split.
        num_canvases (int): Canvases in the set. Defaults to 2000 (train) or
            500 (test) when None.
        canvas_size (int): Side of a canvas. Defaults to 64.
        max_digits (int): Most digits per canvas. Defaults to 4.
        ink_threshold (int): Ink level (0-255) that counts as digit.
            Defaults to 96.
        label_margin (int): Pixels around the ink that still belong to the
            digit (a square dilation). Defaults to 2.
        max_tries (int): Random places tried for a digit before it is left
            out. Defaults to 20.
        seed (int): Seed of the layout. Defaults to 0.
        data_file (str, optional): See :class:`MNIST5k`.
        **kwargs: Passed to :class:`mmseg.datasets.BaseSegDataset`
            (``pipeline``, ``indices``, ...).
    """

    METAINFO = dict(
        classes=('background', ) + tuple(str(i) for i in range(10)),
        palette=[[0, 0, 0], [230, 25, 75], [60, 180, 75], [255, 225, 25],
                 [0, 130, 200], [245, 130, 48], [145, 30, 180],
                 [70, 240, 240], [240, 50, 230], [210, 245, 60],
                 [250, 190, 212]])

    def __init__(self,
                 split: str = 'train',
                 num_canvases: Optional[int] = None,
                 canvas_size: int = 64,
                 max_digits: int = 4,
                 ink_threshold: int = 96,
                 label_margin: int = 2,
                 max_tries: int = 20,
                 seed: int = 0,
                 data_file: Optional[str] = None,
                 **kwargs) -> None:
        if canvas_size < 28:
            raise ValueError('MNISTCanvasSeg: `canvas_size` must be >= 28, '
                             f'got {canvas_size}')
        if label_margin < 0:
            raise ValueError('MNISTCanvasSeg: `label_margin` must be >= 0, '
                             f'got {label_margin}')
        if max_digits < 1:
            raise ValueError('MNISTCanvasSeg: `max_digits` must be >= 1, '
                             f'got {max_digits}')
        self.digits = MNIST5k(split=split, data_file=data_file, pad=0,
                              lazy_init=True)
        self.split = split
        self.num_canvases = num_canvases or (2000 if split == 'train' else 500)
        self.canvas_size = canvas_size
        self.max_digits = max_digits
        self.ink_threshold = ink_threshold
        self.label_margin = label_margin
        self.max_tries = max(1, max_tries)
        self.seed = seed
        kwargs.setdefault('test_mode', split == 'test')
        super().__init__(ann_file='', img_suffix='.png', **kwargs)

    def load_data_list(self) -> List[dict]:
        """Compose the canvases.

        Returns:
            list[dict]: ``img`` (uint8, H x W), ``gt_seg_map`` (uint8,
            H x W), plus the keys MMSeg's transforms expect.
        """
        digits = self.digits.load_data_list()
        rng = np.random.RandomState(self.seed + (0 if self.split == 'train'
                                                 else 100003))
        size = self.canvas_size
        kernel = np.ones((2 * self.label_margin + 1, ) * 2, np.uint8)
        data_list = []
        for i in range(self.num_canvases):
            img = np.zeros((size, size), np.uint8)
            seg = np.zeros((size, size), np.uint8)
            for _ in range(rng.randint(1, self.max_digits + 1)):
                digit = digits[rng.randint(len(digits))]
                for _ in range(self.max_tries):
                    y, x = rng.randint(0, size - 28 + 1, size=2)
                    mask = np.zeros((size, size), np.uint8)
                    mask[y:y + 28, x:x + 28] = \
                        digit['img'] > self.ink_threshold
                    if self.label_margin:
                        mask = cv2.dilate(mask, kernel)
                    if not seg[mask > 0].any():  # overlaps no other digit
                        break
                else:
                    continue  # no free place: leave this digit out
                window = img[y:y + 28, x:x + 28]
                np.maximum(window, digit['img'], out=window)
                seg[mask > 0] = digit['gt_label'] + 1
            data_list.append(
                dict(img=img, gt_seg_map=seg, img_path=f'canvas_{i:05d}.png',
                     ori_shape=(size, size), img_shape=(size, size),
                     seg_map_path=None, label_map=None,
                     reduce_zero_label=False, seg_fields=['gt_seg_map']))
        return data_list
