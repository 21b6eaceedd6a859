# Copyright (c) mmddad contributors. All rights reserved.
"""Evaluate a checkpoint on the config's test split.

The checkpoint must fit the config's model: a file of another model (a
teacher's checkpoint for the student's config, a distillation run's for an
exported student's) is refused before anything runs, instead of testing
randomly initialised weights. ``--partial-load`` loads the matching keys
anyway.

As MMPretrain's and MMSeg's test tools: ``--out results.pkl`` dumps the
predictions (MMEngine's ``DumpResults``; ``--out-item metrics`` writes the
metrics instead, as .json/.yaml/.pkl), the metrics go to the log and the work
dir, and ``--show-dir DIR`` paints the predictions of the test images.

A test only reads the run it scores, so it does not take the work dir's
lock (``WORK_DIR/.run.lock``) that training holds: a checkpoint may be
tested while its run trains on, its logs in a timestamped folder of their
own. A config file inside its own work dir (``work_dirs/x/x.py``) is left
byte-identical.

Example::

    python tools/test.py configs/ddad/ddad_x.py \\
        work_dirs/ddad_x/iter_400.pth \\
        --out work_dirs/ddad_x/predictions.pkl --show-dir painted
"""
import argparse

from mmddad.apis import OUT_FORMATS, evaluate_checkpoint
from mmddad.apis.cli import (add_cfg_options, add_force_option,
                             add_launcher_options, add_trust_option,
                             tool_work_dir, load_tool_config, positive_int,
                             run_tool, start_tool)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test (and eval) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the dir to save logs and results')
    parser.add_argument(
        '--out',
        help='dump the predictions to this .pkl file (with --out-item '
        'metrics: the metrics, .json/.yaml/.pkl)')
    add_force_option(parser, 'the --out file')
    parser.add_argument(
        '--out-item',
        choices=tuple(OUT_FORMATS),
        default='pred',
        help='what --out holds (default: pred, the predictions)')
    parser.add_argument(
        '--show-dir',
        help='paint the predictions of the test images into this folder '
        '(a relative path is taken under WORK_DIR/TIMESTAMP/)')
    parser.add_argument(
        '--show-interval',
        type=positive_int,
        default=1,
        help='with --show-dir, paint every N-th test image (default 1)')
    parser.add_argument(
        '--show-teacher',
        action='store_true',
        help='with --show-dir and a distillation config, paint the '
        'teacher\'s prediction beside the student\'s')
    parser.add_argument(
        '--partial-load',
        action='store_true',
        help='test even if the checkpoint lacks some of the model\'s keys '
        'or has others (by default that is an error)')
    add_trust_option(parser)
    add_cfg_options(parser)
    add_launcher_options(parser)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    start_tool(args)
    cfg = load_tool_config(args.config, args.cfg_options)
    cfg.work_dir = tool_work_dir(args, cfg)
    evaluate_checkpoint(
        cfg, args.checkpoint, out=args.out, out_item=args.out_item,
        force=args.force, show_dir=args.show_dir,
        show_interval=args.show_interval, show_teacher=args.show_teacher,
        partial_load=args.partial_load, launcher=args.launcher)


if __name__ == '__main__':
    run_tool(main)
