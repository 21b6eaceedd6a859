# Copyright (c) mmddad contributors. All rights reserved.
"""Keep what the generator makes: a synthetic dataset labelled by the teacher.

Writes ``--num`` PNG images from the generator of a distillation checkpoint,
and the teacher's labels of them in the task's standard dataset format
(for classifiers, ``meta/train.txt`` of MMPretrain's ``CustomDataset``, plus
``classes.txt``). Labels are the teacher's predictions on the images as a
dataset reads them back from disk. ``--out`` follows the rules of
:class:`mmddad.utils.IndexedOutputFolder`
(:func:`mmddad.apis.synthesize_dataset`).

Example::

    python tools/synthesize.py configs/ddad/ddad_x.py work_dirs/ddad_x/iter_400.pth \\
        --num 1000 --out data/synthetic_mnist
    # then, in an MMPretrain config:
    # dataset=dict(type='CustomDataset', data_root='data/synthetic_mnist',
    #              ann_file='meta/train.txt', ...)
"""
import argparse

from mmddad.apis import SYNTHESIS_INDEX, synthesize_dataset
from mmddad.apis.cli import (add_cfg_options, add_trust_option, device_option,
                             load_tool_config, positive_int, run_tool,
                             start_tool)


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
        f'files its {SYNTHESIS_INDEX} lists); twice (--force --force) also '
        'writes into a folder that holds other files, which are kept')
    add_trust_option(parser)
    add_cfg_options(parser)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    start_tool(args)
    cfg = load_tool_config(args.config, args.cfg_options)
    written = synthesize_dataset(cfg, args.checkpoint, args.out, args.num,
                                 args.batch_size, args.seed, args.device,
                                 args.force)
    print(f'\nwrote {written} images and their teacher labels to {args.out}')


if __name__ == '__main__':
    run_tool(main)
