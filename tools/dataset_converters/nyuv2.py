# Copyright (c) mmddad contributors. All rights reserved.
"""Convert NYU Depth v2 (labelled subset) to 13-class segmentation folders.

Inputs, as users download them:

- ``nyu_depth_v2_labeled.mat`` (NYU's labelled set, MATLAB v7.3 = HDF5):
  ``images`` (1449, 3, 640, 480) uint8 and ``labels`` (1449, 640, 480) with
  the 894 raw classes, 0 = unlabelled;
- ``classMapping40.mat`` (Gupta et al.; in the nyuv2-meta-data repository):
  ``mapClass``, the 894 -> 40 map (1-based);
- ``splits.mat``: ``trainNdxs`` / ``testNdxs`` (795 / 654, 1-based);
- optionally ``class13Mapping.mat`` (nyuv2-meta-data): ``classMapping13``,
  whose first field is the 40 -> 13 map; without it the standard map
  (Couprie et al., 2013; ``map40to13``) built in below is used.

Output (what ``configs/_base_/datasets/nyuv2.py`` reads)::

    OUT/img_dir/{train,test}/<index>.png   # RGB, 480x640; index 1-based
    OUT/ann_dir/{train,test}/<index>.png   # ids 0-12, 255 = unlabelled

Needs ``h5py`` and ``scipy`` (``pip install mmddad[converters]``).

Example::

    python tools/dataset_converters/nyuv2.py nyu_depth_v2_labeled.mat \
        --mapping40 classMapping40.mat --splits splits.mat -o data/nyuv2
"""
import argparse
import importlib
import os.path as osp
import sys
from typing import Dict, List, Optional

import cv2
import numpy as np
from mmengine.utils import ProgressBar

from mmddad.datasets import make_split_dirs

IGNORE_INDEX = 255
NUM_RAW_CLASSES = 894
#: NYU40 class (1-40) -> NYU13 class (1-13): bed, books, ceiling, chair,
#: floor, furniture, objects, picture, sofa, table, tv, wall, window.
MAP_40_TO_13 = (12, 5, 6, 1, 4, 9, 10, 12, 13, 6, 8, 6, 13, 10, 6, 13, 6, 7,
                7, 5, 7, 3, 2, 6, 11, 7, 7, 7, 7, 7, 7, 6, 7, 7, 7, 7, 7, 7,
                6, 7)


def parse_args(argv: List[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Convert nyu_depth_v2_labeled.mat to 13-class folders')
    parser.add_argument('labeled_mat', help='nyu_depth_v2_labeled.mat')
    parser.add_argument(
        '--mapping40', required=True,
        help='classMapping40.mat (mapClass: 894 -> 40 classes)')
    parser.add_argument(
        '--splits', required=True, help='splits.mat (trainNdxs, testNdxs)')
    parser.add_argument(
        '--mapping13', help='class13Mapping.mat (40 -> 13); default: the '
        'standard map built into this script')
    parser.add_argument('-o', '--out-dir', default='data/nyuv2')
    return parser.parse_args(argv)


def _require(module: str):
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise ImportError(
            f'NYUv2 conversion needs `{module}`: pip install h5py scipy '
            '(or pip install -e .[converters])') from e


def _loadmat(path: str, key: str) -> dict:
    if not osp.isfile(path):
        raise FileNotFoundError(f'NYUv2: {key} file "{path}" does not exist')
    return _require('scipy.io').loadmat(path)


def build_lookup(mapping40: str, mapping13: Optional[str] = None
                 ) -> np.ndarray:
    """Lookup table raw label (0-894) -> 13-class id (0-12, 255 void).

    Raises:
        KeyError / ValueError: A mapping file lacks its variable or has the
            wrong length.
    """
    mat = _loadmat(mapping40, '--mapping40')
    if 'mapClass' not in mat:
        raise KeyError(f'NYUv2: "{mapping40}" has no `mapClass` (the 894 -> '
                       '40 map of classMapping40.mat)')
    map40 = np.asarray(mat['mapClass']).reshape(-1).astype(np.int64)
    if map40.size != NUM_RAW_CLASSES or map40.min() < 1 or map40.max() > 40:
        raise ValueError(
            f'NYUv2: `mapClass` in "{mapping40}" must map the '
            f'{NUM_RAW_CLASSES} raw classes to 1-40, got {map40.size} values '
            f'in {map40.min()}-{map40.max()}')
    if mapping13 is None:
        map13 = np.asarray(MAP_40_TO_13, dtype=np.int64)
    else:
        mat13 = _loadmat(mapping13, '--mapping13')
        if 'classMapping13' not in mat13:
            raise KeyError(f'NYUv2: "{mapping13}" has no `classMapping13`')
        map13 = np.asarray(mat13['classMapping13'][0][0][0]).reshape(-1)
        map13 = map13.astype(np.int64)
        if map13.size != 40 or map13.min() < 1 or map13.max() > 13:
            raise ValueError(f'NYUv2: the 40 -> 13 map in "{mapping13}" '
                             f'has {map13.size} values, expected 40 in 1-13')
    # 1-based class ids -> 0-based ids, raw 0 (unlabelled) -> ignore
    lut = np.full(NUM_RAW_CLASSES + 1, IGNORE_INDEX, dtype=np.uint8)
    lut[1:] = map13[map40 - 1] - 1
    return lut


def load_splits(path: str, num_images: int) -> Dict[str, np.ndarray]:
    """0-based image indices of the train and test splits."""
    mat = _loadmat(path, '--splits')
    splits = {}
    for split, key in (('train', 'trainNdxs'), ('test', 'testNdxs')):
        if key not in mat:
            raise KeyError(f'NYUv2: "{path}" has no `{key}`')
        idx = np.asarray(mat[key]).reshape(-1).astype(np.int64) - 1
        if idx.size == 0 or idx.min() < 0 or idx.max() >= num_images:
            raise ValueError(
                f'NYUv2: `{key}` in "{path}" must hold 1-based indices '
                f'1-{num_images}')
        splits[split] = idx
    return splits


def convert(labeled_mat: str, mapping40: str, splits_mat: str, out_dir: str,
            mapping13: Optional[str] = None) -> Dict[str, int]:
    """Write the image and label folders; returns images per split."""
    if not osp.isfile(labeled_mat):
        raise FileNotFoundError(
            f'NYUv2: "{labeled_mat}" does not exist (download '
            'nyu_depth_v2_labeled.mat from the NYU Depth v2 page)')
    h5py = _require('h5py')
    lut = build_lookup(mapping40, mapping13)
    counts = {}
    with h5py.File(labeled_mat, 'r') as f:
        for key in ('images', 'labels'):
            if key not in f:
                raise KeyError(f'NYUv2: "{labeled_mat}" has no `{key}`')
        images, labels = f['images'], f['labels']
        if images.ndim != 4 or images.shape[1] != 3 or \
                labels.shape != (images.shape[0], ) + images.shape[2:]:
            raise ValueError(
                f'NYUv2: "{labeled_mat}": expected images (N, 3, W, H) and '
                f'labels (N, W, H), got {images.shape} and {labels.shape}')
        splits = load_splits(splits_mat, images.shape[0])
        for split, indices in splits.items():
            img_out, ann_out = make_split_dirs(out_dir, split)
            progress = ProgressBar(len(indices))
            for i in indices:
                # stored column-major: (C, W, H) -> (H, W, C)
                rgb = np.transpose(images[i], (2, 1, 0))
                raw = np.transpose(labels[i], (1, 0)).astype(np.int64)
                if raw.max() > NUM_RAW_CLASSES:
                    raise ValueError(f'NYUv2: image {i + 1} has raw label '
                                     f'{raw.max()} > {NUM_RAW_CLASSES}')
                name = f'{i + 1:04d}.png'
                cv2.imwrite(osp.join(img_out, name), rgb[..., ::-1])
                cv2.imwrite(osp.join(ann_out, name), lut[raw])
                progress.update()
            print()
            counts[split] = len(indices)
    return counts


def main(argv: List[str] = None) -> None:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    counts = convert(args.labeled_mat, args.mapping40, args.splits,
                     args.out_dir, args.mapping13)
    for split, count in counts.items():
        print(f'NYUv2 {split}: {count} images -> {args.out_dir}')


if __name__ == '__main__':
    main()
