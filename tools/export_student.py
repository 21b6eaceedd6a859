# Copyright (c) mmddad contributors. All rights reserved.
"""Turn a distillation checkpoint into a plain checkpoint of the student.

The output holds only the student's weights (``state_dict``) and ``meta``,
so MMPretrain / MMSegmentation tools and APIs load it with the student's own
config, e.g. ``mmpretrain.apis.init_model(student_cfg, 'student.pth')``.
The weights are checked against the student of the run's config (the one
saved in the checkpoint, or ``--config``) and must cover it exactly.

Example::

    python tools/export_student.py work_dirs/ddad_x/iter_600.pth student.pth
"""
import argparse

from mmddad.apis import export_student
from mmddad.apis.cli import (add_force_option, add_trust_option, run_tool,
                             start_tool)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Export the student of a DDAD checkpoint')
    parser.add_argument('checkpoint', help='checkpoint written by training')
    parser.add_argument('out', help='where to write the student checkpoint')
    add_force_option(parser, '`out`')
    parser.add_argument(
        '--config',
        help='the distillation config whose student the weights must fit '
        '(default: the config saved in the checkpoint)')
    parser.add_argument(
        '--partial-load',
        action='store_true',
        help='export without checking the weights against the student')
    add_trust_option(parser)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    start_tool(args)
    exported = export_student(args.checkpoint, args.config,
                              check=not args.partial_load, out=args.out,
                              force=args.force)
    print(f'wrote {len(exported["state_dict"])} student tensors to '
          f'{args.out}')


if __name__ == '__main__':
    run_tool(main)
