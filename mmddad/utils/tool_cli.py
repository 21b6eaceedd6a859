# Copyright (c) mmddad contributors. All rights reserved.
"""What every script in ``tools/`` shares: options, start-up, config."""
import argparse
import os
import os.path as osp
from typing import Optional

from mmengine.config import Config, DictAction

from .malloc_tuning import tune_malloc
from .safe_checkpoint import TRUST_ENV


def add_cfg_options(parser: argparse.ArgumentParser) -> None:
    """``--cfg-options key=value ...`` (merged into the config)."""
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings in the config, key=value pairs in xxx=yyy '
        'format')


def add_amp_options(parser: argparse.ArgumentParser) -> None:
    """``--amp`` and ``--amp-dtype`` (applied with :func:`enable_amp`)."""
    parser.add_argument(
        '--amp',
        action='store_true',
        help='automatic mixed precision (GPU: MMEngine\'s AmpOptimWrapper, '
        'float16 by default; CPU-only machine: bfloat16 autocast)')
    parser.add_argument(
        '--amp-dtype',
        choices=['float16', 'bfloat16'],
        help='autocast dtype with --amp (GPU: default float16 with dynamic '
        'loss scaling per optimiser, or bfloat16; CPU: bfloat16 only)')


def add_trust_option(parser: argparse.ArgumentParser) -> None:
    """``--trust-checkpoints`` (full unpickling)."""
    parser.add_argument(
        '--trust-checkpoints',
        action='store_true',
        help='load checkpoints with full unpickling (can run arbitrary code '
        'from the file); by default only the types OpenMMLab checkpoints '
        'hold are allowed')


def add_launcher_options(parser: argparse.ArgumentParser) -> None:
    """``--launcher`` and ``--local-rank`` of distributed runs."""
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def start_tool(args: argparse.Namespace) -> None:
    """Process set-up shared by the tools: glibc malloc tuning, the
    checkpoint trust switch and ``LOCAL_RANK`` (from the parsed options
    that exist)."""
    tune_malloc()
    if getattr(args, 'trust_checkpoints', False):
        os.environ[TRUST_ENV] = '1'
    if hasattr(args, 'local_rank') and 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)


#: The hooks MMEngine's runner registers by default (``default_hooks``
#: names it removes itself when set to None).
RUNNER_DEFAULT_HOOKS = ('runtime_info', 'timer', 'sampler_seed', 'logger',
                        'param_scheduler', 'checkpoint')


def load_tool_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """Read a config file and merge ``--cfg-options`` into it.

    ``default_hooks.NAME=None`` turns off any hook a config adds to
    ``default_hooks`` (e.g. ``default_hooks.ema=None``), not only the
    runner's own (MMEngine would refuse the None of a name it does not
    register itself).
    """
    cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    hooks = cfg.get('default_hooks') or {}
    for name in [n for n, hook in hooks.items()
                 if hook is None and n not in RUNNER_DEFAULT_HOOKS]:
        hooks.pop(name)
    return cfg


def default_work_dir(config: str) -> str:
    """MMEngine's convention: ``work_dirs/<config name>``."""
    return osp.join('work_dirs', osp.splitext(osp.basename(config))[0])
