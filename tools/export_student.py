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
import io
import os.path as osp
from collections import OrderedDict
from typing import Optional

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmddad.models import build_network
from mmddad.utils import (add_force_option, add_trust_option, check_new_file, atomic_write, check_not_input,
                          check_weights_fit, describe_checkpoint,
                          load_tool_config, run_tool, safe_torch_load,
                          start_tool, state_dict_of)

PREFIX = 'student.'


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


def extract_student(checkpoint: dict, source: str) -> dict:
    """The student's weights and the run's meta, as a plain checkpoint."""
    state = state_dict_of(checkpoint)
    student = OrderedDict((k[len(PREFIX):], v) for k, v in state.items()
                          if k.startswith(PREFIX))
    if not student:
        raise KeyError(f'"{source}" holds no `{PREFIX}*` weights: it seems '
                       f'to hold {describe_checkpoint(checkpoint)}, not a '
                       'distillation run')
    meta = dict(checkpoint.get('meta', {}))
    meta = {
        k: meta[k]
        for k in ('dataset_meta', 'mmengine_version', 'seed', 'iter')
        if k in meta
    }
    meta['exported_from'] = osp.abspath(source)
    return dict(state_dict=student, meta=meta)


def run_config(checkpoint: dict, config: Optional[str],
               source: str) -> Config:
    """The distillation config of the run: ``--config``, or the one MMEngine
    saved in the checkpoint's ``meta.cfg``."""
    if config is not None:
        return load_tool_config(config)
    text = (checkpoint.get('meta') or {}).get('cfg')
    if not text:
        raise ValueError(f'"{source}" carries no config (meta.cfg) to check '
                         'its student against: pass --config CONFIG (or '
                         '--partial-load to export unchecked)')
    return Config.fromstring(text, file_format='.py')


def check_student(exported: dict, cfg: Config, source: str) -> None:
    """Fail unless the exported weights fit the config's student."""
    if 'student' not in cfg.get('model', {}):
        raise KeyError(f'the config of "{source}" has no `model.student`: '
                       'pass the distillation config with --config')
    init_default_scope(cfg.get('default_scope', 'mmddad'))
    try:
        student = build_network(cfg.model.student, 'model.student')
    except (OSError, ValueError, KeyError) as e:
        raise type(e)(f'cannot build the student to check "{source}" '
                      f'against ({e}); pass --config CONFIG, or '
                      '--partial-load to export unchecked') from e
    check_weights_fit(student, exported, f'the student of "{source}"',
                      'the student of its config', opt_out='--partial-load')


def save_atomically(obj: dict, out: str) -> None:
    """Serialise, then write through a temporary file and a rename."""
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    atomic_write(buffer.getvalue(), out)


def main() -> None:
    args = parse_args()
    start_tool(args)
    # even with --force: the run's checkpoint is not replaced by its student
    check_not_input(args.out, 'out', {
        'the checkpoint': args.checkpoint,
        'the --config file': args.config
    })
    check_new_file(args.out, 'out', args.force)
    if not osp.isfile(args.checkpoint):
        raise SystemExit(f'checkpoint "{args.checkpoint}" does not exist')
    checkpoint = safe_torch_load(args.checkpoint, map_location='cpu')
    exported = extract_student(checkpoint, args.checkpoint)
    if not args.partial_load:
        check_student(exported,
                      run_config(checkpoint, args.config, args.checkpoint),
                      args.checkpoint)
    save_atomically(exported, args.out)
    print(f'wrote {len(exported["state_dict"])} student tensors to '
          f'{args.out}')


if __name__ == '__main__':
    run_tool(main)
