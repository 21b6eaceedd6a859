# Copyright (c) mmddad contributors. All rights reserved.
"""Train with an mmddad config (teacher recipes and data-free distillation).

Before training, what the run will load is checked: ``--resume`` needs a
training checkpoint whose weights fit the config's model, and warns about
each ``--cfg-options`` value the resumed state overrides; ``load_from``
warns with the count of missing keys and stops when nothing matches. A run
that fails at start-up leaves the work dir's config copy as it was; a config
file inside its own work dir is never replaced. While another live run
trains into the same work dir, a run is refused (``WORK_DIR/.run.lock``).
"""
import argparse

from mmengine.config import Config
from mmengine.runner import Runner

from mmddad.utils import (add_amp_options, add_cfg_options,
                          add_launcher_options, add_trust_option,
                          check_runner_checkpoint, default_work_dir,
                          enable_amp, init_cpu_process_group, keep_config_copy,
                          load_tool_config, run_tool, select_resume_checkpoint,
                          shutdown_process_group, start_tool, work_dir_lock)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from the given checkpoint, or from the latest checkpoint '
        'in the work dir when no path is given')
    add_amp_options(parser)
    parser.add_argument(
        '--no-validate',
        action='store_true',
        help='do not evaluate checkpoints during training')
    add_trust_option(parser)
    add_cfg_options(parser)
    add_launcher_options(parser)
    return parser.parse_args()


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Apply the command-line options to the config."""
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = default_work_dir(args.config)
    if args.amp:
        enable_amp(cfg, dtype=args.amp_dtype)
    if args.resume is not None:
        # never a damaged checkpoint: automatically, the newest intact one
        requested = None if args.resume == 'auto' else args.resume
        cfg.resume = True
        cfg.load_from = select_resume_checkpoint(cfg.work_dir, requested)
    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None
    cfg.launcher = args.launcher
    return cfg


def main() -> None:
    args = parse_args()
    start_tool(args)
    cfg = merge_args(load_tool_config(args.config, args.cfg_options), args)
    with work_dir_lock(cfg.work_dir, cfg.launcher):
        init_cpu_process_group(cfg.launcher,
                               cfg.get('env_cfg', {}).get('dist_cfg', {}))
        with keep_config_copy(cfg):
            runner = Runner.from_cfg(cfg)
            check_runner_checkpoint(runner, args.cfg_options)
        runner.train()
        shutdown_process_group()


if __name__ == '__main__':
    run_tool(main)
