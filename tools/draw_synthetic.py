# Copyright (c) mmddad contributors. All rights reserved.
"""Draw a grid of what a distillation checkpoint's generator makes.

The images carry the teacher's predictions: class names under them for
classifiers; masks over them and a colour legend under the grid for
segmentors (the picture the training run's ``SyntheticImageVisualizationHook``
writes, from any checkpoint, with a chosen seed).

Example::

    python tools/draw_synthetic.py configs/ddad/ddad_x.py \\
        work_dirs/ddad_x/iter_400.pth --out grid.png
"""
import argparse

from mmddad.apis import draw_synthetic
from mmddad.apis.cli import (add_cfg_options, add_force_option,
                             add_trust_option, load_tool_config, positive_int,
                             run_tool, start_tool)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='the distillation config')
    parser.add_argument('checkpoint', help='a checkpoint of that run')
    parser.add_argument('--out', required=True, help='PNG file to write')
    add_force_option(parser, 'the --out file')
    parser.add_argument('--num', type=positive_int, default=32,
                        help='number of images (default 32)')
    parser.add_argument('--nrow', type=positive_int, default=8,
                        help='images per row (default 8)')
    parser.add_argument('--min-size', type=positive_int, default=64,
                        help='enlarge images to at least this side (64)')
    parser.add_argument('--seed', type=int, default=2024,
                        help='seed of the latents (default 2024, the '
                        'training run\'s grids)')
    add_trust_option(parser)
    add_cfg_options(parser)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    start_tool(args)
    cfg = load_tool_config(args.config, args.cfg_options)
    grid = draw_synthetic(cfg, args.checkpoint, args.num, args.nrow,
                          args.min_size, args.seed, args.out, args.force)
    print(f'wrote {args.out} ({grid.shape[1]}x{grid.shape[0]})')


if __name__ == '__main__':
    run_tool(main)
