# Copyright (c) mmddad contributors. All rights reserved.
"""A 100-class task from the embedded digits: two-digit numbers."""
from typing import List, Optional

import cv2
import numpy as np

from mmddad.registry import DATASETS
from .mnist5k import MNIST5k


@DATASETS.register_module()
class MNIST100(MNIST5k):
    """Two-digit numbers "00".."99" made of two real MNIST-5k digits, 32x32
    grayscale; label ``10 * left + right``.

    Each composite puts the central 28x20 columns of two digits side by
    side (28x40), scales that to 22x32 and pads it to 32x32 (digits about
    16 pixels tall). Composites of the train split use only the 4,000
    MNIST-5k training digits, those of the test split only its 1,000 test
    digits, so no digit instance is in both. For every class, ``per_class``
    composites draw their left and right digits at random (with
    replacement) among the digits of that class of the split, from a fixed
    seed: the split is deterministic and class-balanced. Built in memory.

    Args:
        split (str): ``'train'`` or ``'test'``.
        per_class (int, optional): Composites per class. Defaults to 100
            (10,000 images) for train and 20 (2,000) for test.
        seed (int): Seed of the pairing. The test split adds 1 to it.
            Defaults to 0.
        data_file (str, optional): See :class:`MNIST5k`.
        **kwargs: Passed to :class:`MNIST5k` (``pipeline``, ...).
    """

    METAINFO = {'classes': tuple(f'{i:02d}' for i in range(100))}
    DEFAULT_PER_CLASS = {'train': 100, 'test': 20}
    #: columns of a 28x28 digit kept (its 20-pixel-wide centre)
    CROP = slice(4, 24)
    #: height of the scaled pair inside the 32x32 image
    PAIR_HEIGHT = 22

    def __init__(self,
                 split: str = 'train',
                 per_class: Optional[int] = None,
                 seed: int = 0,
                 data_file: Optional[str] = None,
                 **kwargs) -> None:
        if split in self.DEFAULT_PER_CLASS and per_class is None:
            per_class = self.DEFAULT_PER_CLASS[split]
        if per_class is not None and per_class < 1:
            raise ValueError(
                f'MNIST100: `per_class` must be >= 1, got {per_class}')
        self.per_class = per_class
        self.seed = seed
        kwargs.pop('pad', None)
        super().__init__(split=split, data_file=data_file, pad=0, **kwargs)

    def compose(self, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """One 32x32 uint8 image of two 28x28 digits side by side."""
        pair = np.concatenate([left[:, self.CROP], right[:, self.CROP]], 1)
        pair = cv2.resize(pair, (32, self.PAIR_HEIGHT),
                          interpolation=cv2.INTER_AREA)
        top = (32 - self.PAIR_HEIGHT) // 2
        image = np.zeros((32, 32), dtype=np.uint8)
        image[top:top + self.PAIR_HEIGHT] = pair
        return image

    def load_data_list(self) -> List[dict]:
        """Compose the split.

        Returns:
            list[dict]: ``img`` (uint8, 32 x 32), ``gt_label`` (int), and
            ``digits``, the file rows of its left and right digits.
        """
        digits, labels, rows = self.split_digits()
        by_class = [np.flatnonzero(labels == c) for c in range(10)]
        rng = np.random.RandomState(self.seed +
                                    (1 if self.split == 'test' else 0))
        data_list = []
        for number in range(100):
            tens, units = divmod(number, 10)
            lefts = rng.choice(by_class[tens], self.per_class)
            rights = rng.choice(by_class[units], self.per_class)
            for i, j in zip(lefts, rights):
                data_list.append(
                    dict(
                        img=self.compose(digits[i], digits[j]),
                        gt_label=number,
                        digits=(int(rows[i]), int(rows[j]))))
        return data_list
