# Copyright (c) mmddad contributors. All rights reserved.
"""The steps of a distillation run around training: the teacher made
available (trained with its own recipe if asked), teacher and student
tested on the same split, the headline metric picked."""
import os
import os.path as osp
import time
from typing import Dict, List, Optional

from mmengine.config import Config
from mmengine.runner import Runner, find_latest_checkpoint

from mmddad.engine.hooks import HEADLINE_METRICS
from mmddad.engine.run_records import (CURVE_FILE, make_summary, read_curve,
                                       write_summary)
from mmddad.models.network_builder import build_network
from mmddad.utils import (enable_amp, install_safe_loader,
                          keep_config_copy, last_checkpoint_of, load_config,
                          missing_checkpoint_hint, work_dir_lock)
from .training import checked_runner, set_resume


def headline_metric(metrics: Dict[str, float]) -> str:
    """Name of the metric to report: top-1 accuracy, mIoU, or the first."""
    for key in HEADLINE_METRICS:
        if key in metrics:
            return key
    return next(iter(metrics))


def ensure_teacher(cfg: Config, train: bool,
                   hint: str = ', or pass --train-teacher to this tool'
                   ) -> Optional[float]:
    """Make sure the teacher checkpoint of a distillation config exists;
    with ``train``, train a missing one with its own recipe
    (``model.teacher.cfg_path``) on that recipe's real training data.

    Args:
        cfg (Config): The distillation config.
        train (bool): Train a missing teacher.
        hint (str): How the caller asks for training, appended to the error
            of a missing checkpoint.

    Returns:
        float | None: Seconds spent training it, None if it existed.

    Raises:
        FileNotFoundError: The checkpoint is missing (and ``train`` is off,
            or there is no local recipe), or the recipe would not write it;
            checked before anything is trained.
    """
    install_safe_loader()
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
            missing_checkpoint_hint(recipe, checkpoint, hint))
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
    # another run may train the same teacher into the same work dir
    with work_dir_lock(teacher_cfg.work_dir):
        checked_runner(teacher_cfg).train()
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(
            f'training {recipe} did not write "{checkpoint}": make '
            '`model.teacher.checkpoint` name its last checkpoint')
    return time.time() - start


def evaluate_student(cfg: Config,
                     runner: Optional[Runner] = None) -> Dict[str, float]:
    """Test the student weights a run saved last, on the config's test
    split.

    With an ``EMAHook`` these are the averaged weights, as validation saw
    them and ``tools/export_student.py`` exports them (a trained runner's
    own ``test()`` would rebuild the average from the trained weights).

    Args:
        cfg (Config): The distillation config, ``work_dir`` set.
        runner (Runner, optional): The trained runner, tested when the run
            saved no checkpoint.

    Raises:
        FileNotFoundError: No checkpoint in the work dir and no runner.
    """
    install_safe_loader()
    checkpoint = find_latest_checkpoint(cfg.work_dir)
    if checkpoint is None:
        if runner is None:
            raise FileNotFoundError(
                f'no checkpoint in "{cfg.work_dir}" to test the student of')
        return runner.test()
    test_cfg = cfg.copy()
    test_cfg.load_from = checkpoint
    test_cfg.resume = False
    with keep_config_copy(test_cfg):  # a config in its work dir stays
        runner = Runner.from_cfg(test_cfg)
    return runner.test()


def evaluate_teacher(cfg: Config, work_dir: str) -> Dict[str, float]:
    """Test the teacher of a distillation config on its test split, built
    and loaded exactly as the distiller builds it (:func:`build_network`):
    its own config's ``model`` with the config's top-level
    ``data_preprocessor`` (MMPretrain keeps it there), or a model config such
    as a ``TorchClassifier``; its checkpoint loaded strictly,
    ``checkpoint_key`` / ``checkpoint_prefix`` honoured. The score is the
    one ``tools/test.py TEACHER_CONFIG TEACHER_CHECKPOINT`` prints on the
    same split.

    Args:
        cfg (Config): The distillation config.
        work_dir (str): The test's logs go to ``work_dir/teacher_eval``.

    Returns:
        dict[str, float]: The test metrics.
    """
    install_safe_loader()
    teacher = build_network(cfg.model.teacher, 'model.teacher', frozen=True)
    # the config's class count check, naming the teacher
    check = cfg.get('default_hooks', {}).get('class_count')
    runner = Runner(
        model=teacher,
        work_dir=osp.join(work_dir, 'teacher_eval'),
        test_dataloader=cfg.test_dataloader,
        test_evaluator=cfg.test_evaluator,
        test_cfg=cfg.test_cfg,
        default_scope=cfg.get('default_scope', 'mmddad'),
        env_cfg=cfg.get('env_cfg', dict(dist_cfg=dict(backend='gloo'))),
        log_level=cfg.get('log_level', 'INFO'),
        custom_hooks=[dict(check, model_key='model.teacher')]
        if check else None)
    return runner.test()


def distill(cfg: Config,
            train_teacher: bool = False,
            resume: bool = False,
            quality_ratio: float = 0.97,
            amp: bool = False,
            amp_dtype: Optional[str] = None,
            seed: Optional[int] = None,
            cfg_options: Optional[dict] = None) -> dict:
    """The whole pipeline of ``tools/distill.py``: train a missing teacher
    (if asked), distil, test student and teacher on the same split, and
    write ``WORK_DIR/distill_summary.json``. The work dir is held for the
    run (:func:`work_dir_lock`: a second live run into it is refused).

    Args:
        cfg (Config): The distillation config, ``work_dir`` set.
        train_teacher (bool): Train a missing teacher checkpoint with its
            local recipe first.
        resume (bool): Continue the interrupted run of the work dir (its
            newest intact checkpoint, validation curve and clock).
        quality_ratio (float): The summary's time to quality is to this
            fraction of the teacher's score.
        amp (bool): Automatic mixed precision (:func:`enable_amp`).
        amp_dtype (str, optional): ``'float16'`` or ``'bfloat16'``.
        seed (int, optional): The run's seed (``randomness.seed``); None
            keeps the config's.
        cfg_options (dict, optional): The ``--cfg-options`` given, for the
            warnings about values a resumed state overrides.

    Returns:
        dict: The summary (:func:`make_summary`).
    """
    install_safe_loader()
    if amp:
        enable_amp(cfg, dtype=amp_dtype)
    if seed is not None:
        cfg.randomness = dict(seed=seed, deterministic=False)
    with work_dir_lock(cfg.work_dir, cfg.get('launcher', 'none')):
        total_start = time.time()
        teacher_time = ensure_teacher(cfg, train_teacher)
        # the curve of this run only (its clock hook writes it at
        # validations; a resumed run continues the curve it resumes)
        curve_file = osp.join(cfg.work_dir, CURVE_FILE)
        if resume:
            set_resume(cfg)
        start = time.time()
        runner = checked_runner(cfg, cfg_options)
        # a new run's curve replaces the old one once it has started
        if not cfg.get('resume') and osp.isfile(curve_file):
            os.remove(curve_file)
        runner.train()
        distill_time = time.time() - start
        student_metrics = evaluate_student(cfg, runner)
        teacher_metrics = evaluate_teacher(cfg, cfg.work_dir)
        metric = headline_metric(student_metrics)
        summary = make_summary(
            config=osp.relpath(cfg.filename) if cfg.filename else None,
            seed=runner.seed, metric=metric,
            teacher=float(teacher_metrics[metric]),
            student=float(student_metrics[metric]),
            distill_seconds=distill_time,
            teacher_train_seconds=teacher_time,
            total_seconds=time.time() - total_start,
            curve=read_curve(cfg.work_dir), quality_ratio=quality_ratio)
        write_summary(cfg.work_dir, summary)
    return summary


def format_summary(summary: dict, quality_ratio: float) -> str:
    """The report ``tools/distill.py`` prints: both scores, their ratio,
    the times and the time to quality."""
    rule = '=' * 64
    lines: List[str] = [
        '', rule,
        f'config   : {summary["config"]} (seed {summary["seed"]})',
        f'teacher  : {summary["metric"]} = {summary["teacher"]:.2f}',
        f'student  : {summary["metric"]} = {summary["student"]:.2f} '
        '(data-free)',
        f'ratio    : {summary["ratio"]:.3f} x teacher'
    ]
    if summary['teacher_train_seconds'] is not None:
        lines.append('teacher training : '
                     f'{summary["teacher_train_seconds"] / 60:.1f} min')
    lines.append(f'distillation     : {summary["distill_seconds"] / 60:.1f} '
                 f'min (total {summary["total_seconds"] / 60:.1f} min)')
    quality = summary['time_to_quality']
    if quality.get('iter') is not None:
        lines.append(f'{quality_ratio:g} x teacher : reached at iteration '
                     f'{quality["iter"]}, after '
                     f'{quality["train_seconds"] / 60:.1f} min of training '
                     '(validation excluded)')
    elif summary['val_curve']:
        lines.append(f'{quality_ratio:g} x teacher : not reached at any '
                     'validation')
    lines.append(rule)
    return '\n'.join(lines)
