# Copyright (c) mmddad contributors. All rights reserved.
"""Run a data-free distillation end to end and report how good it is.

With ``--train-teacher``, trains the teacher first if its checkpoint is
missing (with the teacher's own recipe, ``model.teacher.cfg_path``, on its
real training data); without it a missing teacher checkpoint is an error.
Then distils, then evaluates
teacher and student on the same test split and prints both accuracies,
their ratio, the wall time and the training time until the student first
reached ``--quality-ratio`` x teacher (read from the validations). A summary
is written to ``WORK_DIR/distill_summary.json``. While another live run
trains into the same work dir, a run is refused (``WORK_DIR/.run.lock``).

Example::

    python tools/distill.py configs/ddad/ddad_resnet18-w16_resnet18-w8_mnist5k.py \\
        --train-teacher   # the embedded teacher is trained first if missing
    python tools/distill.py CONFIG --amp   # bf16 autocast (CPU with AMX)
"""
import argparse

from mmddad.apis import distill, format_summary
from mmddad.apis.cli import (add_amp_options, add_cfg_options,
                             tool_work_dir, load_tool_config,
                             non_negative_float, run_tool, start_tool)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Distil without data, then compare student and teacher')
    parser.add_argument('config', help='data-free distillation config')
    parser.add_argument('--work-dir', help='where logs and checkpoints go')
    parser.add_argument('--seed', type=int, help='random seed of the run')
    parser.add_argument(
        '--resume',
        action='store_true',
        help='continue an interrupted run from the newest intact checkpoint '
        'of its work dir (its validation curve and training clock too)')
    parser.add_argument(
        '--train-teacher',
        action='store_true',
        help='if the teacher checkpoint is missing, train it first with its '
        'local recipe (`model.teacher.cfg_path`), on that recipe\'s real '
        'training data')
    parser.add_argument(
        '--quality-ratio',
        type=non_negative_float,
        default=0.97,
        help='report the training time until the student first reaches this '
        'fraction of the teacher\'s score (default 0.97)')
    add_amp_options(parser)
    add_cfg_options(parser)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    start_tool(args)
    cfg = load_tool_config(args.config, args.cfg_options)
    cfg.work_dir = tool_work_dir(args, cfg)
    summary = distill(cfg, train_teacher=args.train_teacher,
                      resume=args.resume, quality_ratio=args.quality_ratio,
                      amp=args.amp, amp_dtype=args.amp_dtype, seed=args.seed,
                      cfg_options=args.cfg_options)
    print(format_summary(summary, args.quality_ratio))


if __name__ == '__main__':
    run_tool(main)
