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
import os
import os.path as osp
import time

from mmengine.config import Config
from mmengine.runner import Runner

from mmddad.apis import (ensure_teacher, evaluate_student, evaluate_teacher,
                         headline_metric)
from mmddad.engine.run_records import (CURVE_FILE, make_summary, read_curve,
                                       write_summary)
from mmddad.utils import (add_amp_options, add_cfg_options,
                          check_runner_checkpoint, default_work_dir,
                          enable_amp, keep_config_copy, load_tool_config,
                          non_negative_float, run_tool,
                          select_resume_checkpoint, start_tool,
                          work_dir_lock)


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
    if args.amp:
        enable_amp(cfg, dtype=args.amp_dtype)
    if args.seed is not None:
        cfg.randomness = dict(seed=args.seed, deterministic=False)
    cfg.work_dir = args.work_dir or cfg.get('work_dir') or default_work_dir(
        args.config)
    with work_dir_lock(cfg.work_dir):
        distill(cfg, args)


def distill(cfg: Config, args: argparse.Namespace) -> None:
    """Train a missing teacher (if asked), distil, test both and report;
    the caller holds the work dir."""
    total_start = time.time()
    teacher_time = ensure_teacher(cfg, args.train_teacher)

    # the curve of this run only (its clock hook writes it at validations;
    # a resumed run continues the curve of the run it resumes)
    curve_file = osp.join(cfg.work_dir, CURVE_FILE)
    if args.resume:
        cfg.load_from = select_resume_checkpoint(cfg.work_dir)
        cfg.resume = True
    start = time.time()
    with keep_config_copy(cfg):
        runner = Runner.from_cfg(cfg)
        check_runner_checkpoint(runner, args.cfg_options)
    # a new run's curve replaces the old one once it has started
    if not cfg.get('resume') and osp.isfile(curve_file):
        os.remove(curve_file)
    runner.train()
    distill_time = time.time() - start
    student_metrics = evaluate_student(cfg, runner)
    teacher_metrics = evaluate_teacher(cfg, cfg.work_dir)

    metric = headline_metric(student_metrics)
    teacher_score = float(teacher_metrics[metric])
    student_score = float(student_metrics[metric])
    summary = make_summary(
        config=args.config, seed=runner.seed, metric=metric,
        teacher=teacher_score, student=student_score,
        distill_seconds=distill_time, teacher_train_seconds=teacher_time,
        total_seconds=time.time() - total_start,
        curve=read_curve(cfg.work_dir), quality_ratio=args.quality_ratio)
    write_summary(cfg.work_dir, summary)
    reached = summary['time_to_quality'].get('iter') is not None
    curve = summary['val_curve']
    print('\n' + '=' * 64)
    print(f'config   : {args.config} (seed {summary["seed"]})')
    print(f'teacher  : {summary["metric"]} = {teacher_score:.2f}')
    print(f'student  : {summary["metric"]} = {student_score:.2f} '
          '(data-free)')
    print(f'ratio    : {summary["ratio"]:.3f} x teacher')
    if teacher_time is not None:
        print(f'teacher training : {teacher_time / 60:.1f} min')
    print(f'distillation     : {distill_time / 60:.1f} min '
          f'(total {summary["total_seconds"] / 60:.1f} min)')
    if reached:
        quality = summary['time_to_quality']
        print(f'{args.quality_ratio:g} x teacher : reached at iteration '
              f'{quality["iter"]}, after {quality["train_seconds"] / 60:.1f} '
              'min of training (validation excluded)')
    elif curve:
        print(f'{args.quality_ratio:g} x teacher : not reached at any '
              'validation')
    print('=' * 64)


if __name__ == '__main__':
    run_tool(main)
