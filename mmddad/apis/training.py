# Copyright (c) mmddad contributors. All rights reserved.
"""A training run of an mmddad config, teacher recipe or data-free
distillation (``tools/train.py``), with what it will load checked first."""
from typing import Optional

from mmengine.config import Config
from mmengine.runner import Runner

from mmddad.utils import (check_runner_checkpoint, enable_amp,
                          init_cpu_process_group, install_safe_loader,
                          keep_config_copy, select_resume_checkpoint,
                          shutdown_process_group, work_dir_lock)


def train(cfg: Config,
          resume: Optional[str] = None,
          validate: bool = True,
          amp: bool = False,
          amp_dtype: Optional[str] = None,
          launcher: str = 'none',
          cfg_options: Optional[dict] = None) -> Runner:
    """Train with MMEngine's runner.

    Before training, what the run will load is checked: ``resume`` needs a
    training checkpoint whose weights fit the model (never a damaged one),
    with a warning for each ``cfg_options`` value the resumed state
    overrides; ``load_from`` warns with the count of missing keys and stops
    when nothing matches. A run that fails at start-up leaves the work
    dir's config copy as it was. The work dir is held for the run
    (:func:`work_dir_lock`).

    Args:
        cfg (Config): The config, ``work_dir`` set (changed in place).
        resume (str, optional): ``'auto'`` (the newest intact checkpoint of
            the work dir) or a checkpoint to resume from.
        validate (bool): Evaluate during training. Defaults to True.
        amp (bool): Automatic mixed precision (:func:`enable_amp`).
        amp_dtype (str, optional): ``'float16'`` or ``'bfloat16'``.
        launcher (str): ``'none'``, ``'pytorch'``, ``'slurm'`` or ``'mpi'``.
        cfg_options (dict, optional): The ``--cfg-options`` given, for the
            warnings about values a resumed state overrides.

    Returns:
        Runner: The trained runner.
    """
    install_safe_loader()
    if amp:
        enable_amp(cfg, dtype=amp_dtype)
    if resume is not None:
        set_resume(cfg, None if resume == 'auto' else resume)
    if not validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.launcher = launcher
    with work_dir_lock(cfg.work_dir, launcher):
        init_cpu_process_group(launcher,
                               cfg.get('env_cfg', {}).get('dist_cfg', {}))
        runner = checked_runner(cfg, cfg_options)
        runner.train()
        shutdown_process_group()
    return runner


def set_resume(cfg: Config, checkpoint: Optional[str] = None) -> None:
    """Make ``cfg`` resume the run of its work dir: from ``checkpoint``, or
    from the newest intact checkpoint there
    (:func:`select_resume_checkpoint`; an error if there is none)."""
    cfg.load_from = select_resume_checkpoint(cfg.work_dir, checkpoint)
    cfg.resume = True


def checked_runner(cfg: Config,
                   cfg_options: Optional[dict] = None) -> Runner:
    """MMEngine's runner of ``cfg``, with what it will load checked
    (:func:`check_runner_checkpoint`); a failure here leaves the work dir's
    config copy as it was (:func:`keep_config_copy`).

    Args:
        cfg (Config): The config, ``work_dir`` set.
        cfg_options (dict, optional): The ``--cfg-options`` given, for the
            warnings about values a resumed state overrides.

    Returns:
        Runner: The runner, not yet trained.
    """
    with keep_config_copy(cfg):
        runner = Runner.from_cfg(cfg)
        check_runner_checkpoint(runner, cfg_options)
    return runner
