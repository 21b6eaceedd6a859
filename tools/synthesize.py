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
import json
import os
import os.path as osp
import shutil
import tempfile
from typing import List

import mmcv
import numpy as np
import torch
from mmengine.utils import ProgressBar

from mmddad.apis import init_distiller
from mmddad.datasets import val_dataset_meta
from mmddad.utils import (add_cfg_options, add_trust_option,
                          check_not_input, device_option, indexed_paths,
                          load_tool_config, positive_int,
                          private_temp_folder, read_json,
                          remove_stale_temp_folders, run_tool, start_tool)

#: The index of what the tool wrote into a folder: ``--force`` replaces
#: those files and never touches anything else.
INDEX = 'synthesize_index.json'


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Write a synthetic dataset labelled by the teacher')
    parser.add_argument('config', help='the distillation config')
    parser.add_argument('checkpoint', help='a checkpoint of that run')
    parser.add_argument('--num', type=positive_int, required=True,
                        help='number of images')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--batch-size', type=positive_int, default=64)
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the latents')
    parser.add_argument('--device', type=device_option, default='cpu',
                        help='cpu (default), cuda or cuda:N')
    parser.add_argument(
        '--force',
        action='count',
        default=0,
        help='replace what an earlier run of this tool wrote in `out` (the '
        f'files its {INDEX} lists); twice (--force --force) also writes into '
        'a folder that holds other files, which are kept')
    add_trust_option(parser)
    add_cfg_options(parser)
    return parser.parse_args()


def own_files(out: str) -> List[str]:
    """The files an earlier run wrote in ``out`` (from its index, which is
    one of them), relative to ``out``; empty without an index."""
    index = osp.join(out, INDEX)
    if not osp.isfile(index):
        return []
    record = read_json(index, 'the index of what this tool wrote, ')
    files = record.get('files', []) if isinstance(record, dict) else []
    # an edited index must not reach outside `out` (by `..`, an absolute
    # path or a symlink): refused
    return [p for p in indexed_paths(out, files, index) if p != INDEX
            ] + [INDEX]


def foreign_entries(out: str, own: List[str]) -> List[str]:
    """Files (and symlinked folders) under ``out`` this tool did not write
    (relative paths)."""
    found = []
    for root, folders, names in os.walk(out):
        links = [f for f in folders if osp.islink(osp.join(root, f))]
        for name in names + links:
            rel = osp.relpath(osp.join(root, name), out)
            if rel not in own:
                found.append(rel)
    return sorted(found)


def check_out(out: str, force: int) -> List[str]:
    """Refuse an output folder the run may not write into, before anything
    is loaded or written.

    Returns:
        list[str]: The files of an earlier run of this tool to replace.
    """
    if osp.exists(out) and not osp.isdir(out):
        raise FileExistsError(f'--out "{out}" is a file, not a folder')
    if not osp.isdir(out) or not os.listdir(out):
        return []
    if not force:
        raise FileExistsError(
            f'--out "{out}" is not empty; pass --force to replace what this '
            'tool wrote there earlier')
    own = own_files(out)
    foreign = foreign_entries(out, own)
    if foreign and force < 2:
        shown = ', '.join(foreign[:3]) + (
            f' and {len(foreign) - 3} more' if len(foreign) > 3 else '')
        raise FileExistsError(
            f'--out "{out}" holds {len(foreign)} files this tool did not '
            f'write ({shown}); --force replaces only its own files '
            f'(listed in {INDEX}). Choose an empty folder, or pass --force '
            'twice to write beside those files (they are kept).')
    return own


def collisions(tmp: str, out: str, replaced: List[str]) -> List[str]:
    """Paths the new output would take in ``out`` that hold something this
    tool did not write."""
    found = []
    for root, _, names in os.walk(tmp):
        for name in names:
            rel = osp.relpath(osp.join(root, name), tmp)
            parts = rel.split(os.sep)
            # the file itself, or a file (or a symlink, which may lead
            # outside `out`) where a folder of the path goes
            for i in range(1, len(parts) + 1):
                sub = osp.join(*parts[:i])
                target = osp.join(out, sub)
                if i < len(parts) and (osp.isfile(target)
                                       or osp.islink(target)) or (
                        i == len(parts) and osp.lexists(target)
                        and sub not in replaced):
                    found.append(sub)
    return sorted(set(found))


def publish(tmp: str, out: str, replaced: List[str]) -> None:
    """Move the finished folder ``tmp`` to ``out``, replacing the files
    ``replaced`` of an earlier run and keeping anything else.

    Raises:
        FileExistsError: A new file would land on one this tool did not
            write; checked before anything in ``out`` is touched.
    """
    if not osp.isdir(out):
        os.replace(tmp, out)
        return
    if not foreign_entries(out, replaced):  # nothing else: swap folders
        old = tempfile.mkdtemp(dir=osp.dirname(out),
                               prefix=f'.{osp.basename(out)}.', suffix='.old')
        os.replace(out, osp.join(old, 'out'))
        os.replace(tmp, out)
        shutil.rmtree(old)
        return
    taken = collisions(tmp, out, replaced)
    if taken:
        raise FileExistsError(
            f'--out "{out}": the new output would overwrite '
            f'{len(taken)} files this tool did not write ({", ".join(taken[:3])}'
            f'{" ..." if len(taken) > 3 else ""}); nothing was changed. '
            'Choose another folder.')
    for rel in replaced:
        os.remove(osp.join(out, rel))
    for root, _, names in os.walk(tmp):
        for name in names:
            rel = osp.relpath(osp.join(root, name), tmp)
            os.makedirs(osp.dirname(osp.join(out, rel)), exist_ok=True)
            os.replace(osp.join(tmp, rel), osp.join(out, rel))
    shutil.rmtree(tmp)


def as_loaded(tile: np.ndarray, channels: int) -> np.ndarray:
    """What MMCV's loader returns for a PNG written from an RGB tile."""
    return tile[..., 0] if channels == 1 else mmcv.rgb2bgr(tile)


def write_dataset(model: torch.nn.Module, meta: dict, folder: str,
                  args: argparse.Namespace) -> int:
    """Write ``args.num`` images and their teacher labels into ``folder``.

    Returns:
        int: The number of images written.
    """
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
            mmcv.imwrite(img, osp.join(folder, name))
            names.append(name)
            loaded.append(torch.from_numpy(
                img[None] if img.ndim == 2 else img.transpose(2, 0, 1)))
            written += 1
            progress.update()
        # labels of the images as a dataset reads them back from disk
        model.labelled(loaded, meta).write_annotations(folder, names)
    return written


def main() -> None:
    args = parse_args()
    start_tool(args)
    out = osp.abspath(args.out)
    check_not_input(args.out, '--out', {
        'the config': args.config,
        'the checkpoint': args.checkpoint
    })
    check_out(out, args.force)  # before anything is loaded or written

    cfg = load_tool_config(args.config, args.cfg_options)
    model = init_distiller(cfg, args.checkpoint, args.device)
    meta = val_dataset_meta(cfg)

    os.makedirs(osp.dirname(out), exist_ok=True)
    # what a killed run left beside `out` goes; then this run's own folder
    remove_stale_temp_folders(osp.dirname(out), osp.basename(out))
    tmp = private_temp_folder(osp.dirname(out), osp.basename(out))
    try:
        os.makedirs(osp.join(tmp, 'images'))
        written = write_dataset(model, meta, tmp, args)
        files = sorted(
            osp.relpath(osp.join(root, name), tmp)
            for root, _, names in os.walk(tmp) for name in names)
        with open(osp.join(tmp, INDEX), 'w') as f:
            json.dump(dict(config=args.config, checkpoint=args.checkpoint,
                           seed=args.seed, files=files), f, indent=1)
        publish(tmp, out, check_out(out, args.force))
    finally:
        if osp.isdir(tmp):
            shutil.rmtree(tmp)
    print(f'\nwrote {written} images and their teacher labels to {args.out}')


if __name__ == '__main__':
    run_tool(main)
