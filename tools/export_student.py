# Copyright (c) mmddad contributors. All rights reserved.
"""Turn a distillation checkpoint into a plain checkpoint of the student.

The output holds only the student's weights (``state_dict``) and ``meta``,
so MMPretrain / MMSegmentation tools and APIs load it with the student's own
config, e.g. ``mmpretrain.apis.init_model(student_cfg, 'student.pth')``.

Example::

    python tools/export_student.py work_dirs/ddad_x/iter_600.pth student.pth
"""
import argparse
import io
import os.path as osp
from collections import OrderedDict

import torch

from mmddad.utils import (add_trust_option, atomic_write, safe_torch_load,
                          start_tool)

PREFIX = 'student.'


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Export the student of a DDAD checkpoint')
    parser.add_argument('checkpoint', help='checkpoint written by training')
    parser.add_argument('out', help='where to write the student checkpoint')
    parser.add_argument(
        '--force', action='store_true', help='overwrite `out` if it exists')
    add_trust_option(parser)
    return parser.parse_args()


def extract_student(checkpoint: dict, source: str) -> dict:
    """The student's weights and the run's meta, as a plain checkpoint."""
    state = checkpoint.get('state_dict', checkpoint)
    student = OrderedDict((k[len(PREFIX):], v) for k, v in state.items()
                          if k.startswith(PREFIX))
    if not student:
        raise KeyError(f'"{source}" holds no `{PREFIX}*` weights: is it a '
                       'checkpoint of a distillation run?')
    meta = dict(checkpoint.get('meta', {}))
    meta = {
        k: meta[k]
        for k in ('dataset_meta', 'mmengine_version', 'seed', 'iter')
        if k in meta
    }
    meta['exported_from'] = osp.abspath(source)
    return dict(state_dict=student, meta=meta)


def save_atomically(obj: dict, out: str) -> None:
    """Serialise, then write through a temporary file and a rename."""
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    atomic_write(buffer.getvalue(), out)


def main() -> None:
    args = parse_args()
    start_tool(args)
    if osp.exists(args.out) and not args.force:
        raise SystemExit(f'"{args.out}" exists; pass --force to overwrite it')
    if not osp.isfile(args.checkpoint):
        raise SystemExit(f'checkpoint "{args.checkpoint}" does not exist')
    checkpoint = safe_torch_load(args.checkpoint, map_location='cpu')
    exported = extract_student(checkpoint, args.checkpoint)
    save_atomically(exported, args.out)
    print(f'wrote {len(exported["state_dict"])} student tensors to '
          f'{args.out}')


if __name__ == '__main__':
    main()
