# Copyright (c) mmddad contributors. All rights reserved.
"""Run a data-free distillation end to end and report how good it is.

With ``--train-teacher``, trains the teacher first if its checkpoint is
missing (with the teacher's own recipe, ``model.teacher.cfg_path``, on its
real training data); without it a missing teacher checkpoint is an error.
Then distils, then evaluates
teacher and student on the same test split and prints both accuracies,
their ratio, the wall time and the training time until the student first
reached ``--quality-ratio`` x teacher (read from the validations). A summary
is written to ``WORK_DIR/distill_summary.json``.

Example::

    python tools/distill.py configs/ddad/ddad_resnet18-w16_resnet18-w8_mnist5k.py \\
        --train-teacher   # the embedded teacher is trained first if missing
    python tools/distill.py CONFIG --amp   # bf16 autocast (CPU with AMX)
"""
import argparse
import json
import os
import os.path as osp
import time
from typing import Dict, Optional

from mmengine.config import Config
from mmengine.runner import Runner, find_latest_checkpoint

from mmddad.engine.hooks import CURVE_FILE, HEADLINE_METRICS, time_to_reach
from mmddad.models.network_builder import CHECKPOINT_KEYS
from mmddad.utils import (add_amp_options, add_cfg_options, atomic_write,
                          check_runner_checkpoint, default_work_dir,
                          enable_amp, keep_config_copy, last_checkpoint_of,
                          load_config, load_tool_config, load_weights,
                          missing_checkpoint_hint, non_negative_float,
                          read_json, run_tool, select_resume_checkpoint,
                          start_tool)


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


def headline_metric(metrics: Dict[str, float]) -> str:
    """Name of the metric to report: top-1 accuracy, mIoU, or the first."""
    for key in HEADLINE_METRICS:
        if key in metrics:
            return key
    return next(iter(metrics))


def ensure_teacher(cfg: Config, train: bool) -> Optional[float]:
    """Make sure the teacher checkpoint exists; with ``train``, train a
    missing one with its own recipe.

    Args:
        cfg (Config): The distillation config.
        train (bool): ``--train-teacher``: train a missing teacher.

    Returns:
        float | None: Seconds spent training it, None if it existed.

    Raises:
        FileNotFoundError: The checkpoint is missing (and ``train`` is off,
            or there is no local recipe), or the recipe would not write it;
            checked before anything is trained.
    """
    teacher = cfg.model.teacher
    checkpoint = teacher.get('checkpoint')
    if checkpoint is None or osp.isfile(checkpoint) or checkpoint.startswith(
            ('http://', 'https://')):
        return None
    recipe = teacher.get('cfg_path')
    if recipe is None or '::' in recipe:
        raise FileNotFoundError(
            f'`model.teacher.checkpoint` "{checkpoint}" does not exist and '
            'there is no local teacher recipe to train it')
    if not train:
        raise FileNotFoundError(
            f'`model.teacher.checkpoint` "{checkpoint}" does not exist.' +
            missing_checkpoint_hint(recipe, checkpoint,
                                    ', or pass --train-teacher to this tool'))
    recipe = osp.relpath(osp.normpath(recipe))
    teacher_cfg = load_config(recipe)
    teacher_cfg.work_dir = osp.dirname(checkpoint)
    written = last_checkpoint_of(teacher_cfg)
    if written is not None and written != osp.basename(checkpoint):
        raise FileNotFoundError(
            f'`model.teacher.checkpoint` "{checkpoint}" does not exist, and '
            f'training its recipe "{recipe}" would write '
            f'"{osp.join(teacher_cfg.work_dir, written)}" instead: point the '
            'key at that file')
    print(f'[distill] teacher checkpoint "{checkpoint}" is missing: training '
          f'it with {recipe}', flush=True)
    start = time.time()
    Runner.from_cfg(teacher_cfg).train()
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(
            f'training {recipe} did not write "{checkpoint}": make '
            '`model.teacher.checkpoint` name its last checkpoint')
    return time.time() - start


def evaluate_student(cfg: Config, runner: Runner) -> Dict[str, float]:
    """Test the weights the run saved last: with an ``EMAHook`` the averaged
    ones, as validation saw them and ``tools/export_student.py`` exports
    them (the trained runner's own ``test()`` would rebuild the average
    from the trained weights). A run that saved nothing tests the runner's
    model."""
    checkpoint = find_latest_checkpoint(cfg.work_dir)
    if checkpoint is None:
        return runner.test()
    test_cfg = cfg.copy()
    test_cfg.load_from = checkpoint
    test_cfg.resume = False
    return Runner.from_cfg(test_cfg).test()


def evaluate_teacher(cfg: Config, work_dir: str) -> Dict[str, float]:
    """Test the teacher on the distillation config's test split: built as
    ``model.teacher`` says (its own config, or a model config such as a
    ``TorchClassifier``), with its checkpoint loaded as the distiller loads
    it (strict, ``checkpoint_key`` / ``checkpoint_prefix`` honoured)."""
    teacher = cfg.model.teacher
    if teacher.get('cfg_path'):
        model = load_config(teacher.cfg_path).model
    else:
        model = {k: v for k, v in teacher.items() if k not in CHECKPOINT_KEYS}
    teacher_cfg = Config(dict(
        model=model,
        default_scope=cfg.get('default_scope', 'mmddad'),
        work_dir=osp.join(work_dir, 'teacher_eval'),
        env_cfg=cfg.get('env_cfg', {}),
        log_level=cfg.get('log_level', 'INFO'),
        **{key: cfg[key]
           for key in ('test_dataloader', 'test_evaluator', 'test_cfg')}))
    runner = Runner.from_cfg(teacher_cfg)
    if teacher.get('checkpoint'):
        load_weights(runner.model, teacher.checkpoint,
                     f'`model.teacher.checkpoint` "{teacher.checkpoint}"',
                     'the teacher', key=teacher.get('checkpoint_key'),
                     prefix=teacher.get('checkpoint_prefix'))
    return runner.test()


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

    total_start = time.time()
    teacher_time = ensure_teacher(cfg, args.train_teacher)

    # the curve of this run only (its clock hook writes it at validations;
    # a resumed run continues the curve of the run it resumes)
    curve_file = osp.join(cfg.work_dir, CURVE_FILE)
    if args.resume:
        cfg.load_from = select_resume_checkpoint(cfg.work_dir)
        cfg.resume = cfg.load_from is not None  # nothing to resume: a new run
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
    curve = []
    if osp.isfile(curve_file):
        curve = read_json(curve_file, 'validation curve ')
    threshold = args.quality_ratio * teacher_score
    reached = time_to_reach(curve, metric, threshold)
    summary = dict(
        config=args.config,
        seed=runner.seed,
        metric=metric,
        teacher=teacher_score,
        student=student_score,
        ratio=student_score / teacher_score if teacher_score else None,
        # wall time of this process (of a resumed run: since it resumed)
        distill_seconds=round(distill_time, 1),
        teacher_train_seconds=None
        if teacher_time is None else round(teacher_time, 1),
        total_seconds=round(time.time() - total_start, 1),
        # training seconds (validation excluded) at each validation
        val_curve=curve,
        time_to_quality=dict(
            ratio=args.quality_ratio, threshold=threshold, **(reached or {})))
    atomic_write(json.dumps(summary, indent=2),
                 osp.join(cfg.work_dir, 'distill_summary.json'))
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
        print(f'{args.quality_ratio:g} x teacher : reached at iteration '
              f'{reached["iter"]}, after {reached["train_seconds"] / 60:.1f} '
              'min of training (validation excluded)')
    elif curve:
        print(f'{args.quality_ratio:g} x teacher : not reached at any '
              'validation')
    print('=' * 64)


if __name__ == '__main__':
    run_tool(main)
