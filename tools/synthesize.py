# Copyright (c) mmddad contributors. All rights reserved.
"""Keep what the generator makes: a synthetic dataset labelled by the teacher.

Writes ``--num`` PNG images from the generator of a distillation checkpoint,
and the teacher's labels of them in the task's standard dataset format
(for classifiers, ``meta/train.txt`` of MMPretrain's ``CustomDataset``, plus
``classes.txt``). Labels are the teacher's predictions on the images as a
dataset reads them back from disk.

Example::

    python tools/synthesize.py configs/ddad/ddad_x.py work_dirs/ddad_x/iter_400.pth \\
        --num 1000 --out data/synthetic_mnist
    # then, in an MMPretrain config:
    # dataset=dict(type='CustomDataset', data_root='data/synthetic_mnist',
    #              ann_file='meta/train.txt', ...)
"""
import argparse
import os
import os.path as osp
import shutil

import mmcv
import numpy as np
import torch
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint
from mmengine.utils import ProgressBar

from mmddad.datasets import val_dataset_meta
from mmddad.registry import MODELS
from mmddad.utils import (add_cfg_options, add_trust_option,
                          load_tool_config, start_tool)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Write a synthetic dataset labelled by the teacher')
    parser.add_argument('config', help='the distillation config')
    parser.add_argument('checkpoint', help='a checkpoint of that run')
    parser.add_argument('--num', type=int, required=True,
                        help='number of images')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--batch-size', type=int, default=64)
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the latents')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--force', action='store_true',
                        help='empty `out` first if it is not empty')
    add_trust_option(parser)
    add_cfg_options(parser)
    return parser.parse_args()


def as_loaded(tile: np.ndarray, channels: int) -> np.ndarray:
    """What MMCV's loader returns for a PNG written from an RGB tile."""
    return tile[..., 0] if channels == 1 else mmcv.rgb2bgr(tile)


def main() -> None:
    args = parse_args()
    start_tool(args)
    if args.num < 1 or args.batch_size < 1:
        raise SystemExit('--num and --batch-size must be >= 1')
    if osp.isdir(args.out) and os.listdir(args.out):
        if not args.force:
            raise SystemExit(f'"{args.out}" is not empty; pass --force to '
                             'replace its contents')
        shutil.rmtree(args.out)
    os.makedirs(osp.join(args.out, 'images'), exist_ok=True)

    cfg = load_tool_config(args.config, args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmddad'))
    model = MODELS.build(cfg.model)
    load_checkpoint(model, args.checkpoint, map_location='cpu', strict=True)
    model.to(args.device).eval()
    meta = val_dataset_meta(cfg)

    rng = torch.Generator(device=args.device).manual_seed(args.seed)
    progress = ProgressBar(args.num)
    written = 0
    while written < args.num:
        n = min(args.batch_size, args.num - written)
        batch = model.sample(model.sample_latents(n, rng), meta)
        channels = batch.images.size(1)
        names, loaded = [], []
        for tile in batch.to_uint8():
            name = osp.join('images', f'{written:06d}.png')
            img = as_loaded(tile, channels)
            mmcv.imwrite(img, osp.join(args.out, name))
            names.append(name)
            loaded.append(torch.from_numpy(
                img[None] if img.ndim == 2 else img.transpose(2, 0, 1)))
            written += 1
            progress.update()
        # labels of the images as a dataset reads them back from disk
        model.labelled(loaded, meta).write_annotations(args.out, names)
    print(f'\nwrote {written} images and their teacher labels to {args.out}')


if __name__ == '__main__':
    main()
