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
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint
from mmengine.utils import ProgressBar

from mmddad.registry import DATASETS, MODELS
from mmddad.utils import TRUST_ENV, tune_malloc
from mmddad.visualization import images_to_uint8


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
    parser.add_argument('--trust-checkpoints', action='store_true',
                        help='load with full unpickling (can run code)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args()


def as_loaded(tile: np.ndarray, channels: int) -> np.ndarray:
    """What MMCV's loader returns for a PNG written from an RGB tile."""
    return tile[..., 0] if channels == 1 else mmcv.rgb2bgr(tile)


def val_dataset_meta(cfg: Config) -> dict:
    """Class names from the config's validation dataset class, for
    teachers whose checkpoint carries none."""
    dataset = (cfg.get('val_dataloader') or {}).get('dataset') or {}
    try:
        dataset_cls = DATASETS.get(dataset.get('type'))
    except Exception:  # noqa: BLE001 - an unknown type: no class names
        return {}
    return dict(getattr(dataset_cls, 'METAINFO', {}) or {})


def main() -> None:
    args = parse_args()
    tune_malloc()
    if args.trust_checkpoints:
        os.environ[TRUST_ENV] = '1'
    if args.num < 1 or args.batch_size < 1:
        raise SystemExit('--num and --batch-size must be >= 1')
    if osp.isdir(args.out) and os.listdir(args.out):
        if not args.force:
            raise SystemExit(f'"{args.out}" is not empty; pass --force to '
                             'replace its contents')
        shutil.rmtree(args.out)
    os.makedirs(osp.join(args.out, 'images'), exist_ok=True)

    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmddad'))
    model = MODELS.build(cfg.model)
    load_checkpoint(model, args.checkpoint, map_location='cpu', strict=True)
    model.to(args.device).eval()
    teacher = model.teacher
    preprocessor = teacher.data_preprocessor
    channels = int(preprocessor.mean.numel()) if getattr(
        preprocessor, 'mean', None) is not None else 3
    meta = getattr(model, 'dataset_meta', None) or val_dataset_meta(cfg)

    rng = torch.Generator(device=args.device).manual_seed(args.seed)
    progress = ProgressBar(args.num)
    written = 0
    with torch.no_grad():
        while written < args.num:
            n = min(args.batch_size, args.num - written)
            images = model.generator(model.sample_latents(n, rng))
            names, loaded = [], []
            for tile in images_to_uint8(images, preprocessor):
                name = osp.join('images', f'{written:06d}.png')
                img = as_loaded(tile, channels)
                mmcv.imwrite(img, osp.join(args.out, name))
                names.append(name)
                loaded.append(torch.from_numpy(
                    img[None] if img.ndim == 2 else img.transpose(2, 0, 1)))
                written += 1
                progress.update()
            inputs = preprocessor(dict(inputs=loaded), False)['inputs']
            logits = model.adapter.logits(teacher, inputs)
            model.adapter.write_annotations(args.out, names, logits, meta)
    print(f'\nwrote {written} images and their teacher labels to {args.out}')


if __name__ == '__main__':
    main()
