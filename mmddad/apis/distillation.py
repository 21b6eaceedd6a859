# Copyright (c) mmddad contributors. All rights reserved.
"""The steps of a distillation run around training: the teacher made
available (trained with its own recipe if asked), teacher and student
tested on the same split, the headline metric picked."""
import os.path as osp
import time
from typing import Dict, Optional

from mmengine.config import Config
from mmengine.runner import Runner, find_latest_checkpoint

from mmddad.engine.hooks import HEADLINE_METRICS
from mmddad.models.network_builder import CHECKPOINT_KEYS
from mmddad.utils import (last_checkpoint_of, load_config, load_weights,
                          missing_checkpoint_hint)


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
    Runner.from_cfg(teacher_cfg).train()
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
    checkpoint = find_latest_checkpoint(cfg.work_dir)
    if checkpoint is None:
        if runner is None:
            raise FileNotFoundError(
                f'no checkpoint in "{cfg.work_dir}" to test the student of')
        return runner.test()
    test_cfg = cfg.copy()
    test_cfg.load_from = checkpoint
    test_cfg.resume = False
    return Runner.from_cfg(test_cfg).test()


def evaluate_teacher(cfg: Config, work_dir: str) -> Dict[str, float]:
    """Test the teacher of a distillation config on its test split: built
    as ``model.teacher`` says (its own config, or a model config such as a
    ``TorchClassifier``), its checkpoint loaded as the distiller loads it
    (strict, ``checkpoint_key`` / ``checkpoint_prefix`` honoured).

    Args:
        cfg (Config): The distillation config.
        work_dir (str): The test's logs go to ``work_dir/teacher_eval``.
    """
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
