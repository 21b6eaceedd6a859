# Copyright (c) mmddad contributors. All rights reserved.
"""The command-line pieces the scripts in ``tools/`` share: argparse types
and options, start-up, the one-line report of an error of bad input, and
a config read with ``--cfg-options``.

Imported by ``tools/`` (and the tests) only: no module of :mod:`mmddad`
imports it, and ``mmddad.apis`` does not import it either; the functions
a tool calls with the parsed options are in :mod:`mmddad.apis` and
:mod:`mmddad.utils`.
"""
import argparse
import os
import os.path as osp
import pickle
import sys
from typing import Callable, Optional

from mmengine.config import Config, DictAction

from mmddad.utils import (TRUST_ENV, ReportedError, check_cfg_option_keys,
                          check_run_settings, install_safe_loader,
                          load_config, tune_malloc)


#: Set to 1 to see the traceback behind a tool's one-line error.
TRACEBACK_ENV = 'MMDDAD_TRACEBACK'


def positive_int(text: str) -> int:
    """An argparse type: an integer >= 1 (argparse names the option)."""
    return _bounded_int(text, 1)


def non_negative_int(text: str) -> int:
    """An argparse type: an integer >= 0 (argparse names the option)."""
    return _bounded_int(text, 0)


def non_negative_float(text: str) -> float:
    """An argparse type: a finite number >= 0 (argparse names the option)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'expected a number, got {text!r}')
    if not 0 <= value < float('inf'):
        raise argparse.ArgumentTypeError(f'must be >= 0, got {text}')
    return value


def _bounded_int(text: str, least: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'expected an integer, got {text!r}')
    if value < least:
        raise argparse.ArgumentTypeError(
            f'must be >= {least}, got {value}')
    return value


def device_option(text: str) -> str:
    """An argparse type: a device of this machine for ``--device`` (``cpu``,
    ``cuda``, ``cuda:N``); argparse names the option."""
    import torch
    try:
        device = torch.device(text)
    except (RuntimeError, ValueError):
        raise argparse.ArgumentTypeError(
            f'{text!r} is not a device: expected cpu, cuda or cuda:N')
    if device.type == 'cpu':
        return text
    backend = getattr(torch, device.type, None)
    available = getattr(backend, 'is_available', None)
    if available is None or not available():
        raise argparse.ArgumentTypeError(
            f'{text!r}: this machine has no {device.type} device '
            f'(torch.{device.type}.is_available() is False); use cpu')
    count = getattr(backend, 'device_count', None)
    if device.index is not None and count is not None and \
            device.index >= count():
        raise argparse.ArgumentTypeError(
            f'{text!r}: this machine has {count()} {device.type} device(s), '
            f'numbered from 0')
    return text


def add_force_option(parser: argparse.ArgumentParser,
                     what: str = 'the output file') -> None:
    """``--force``: replace an output that exists (see
    :func:`check_new_file`)."""
    parser.add_argument(
        '--force', action='store_true', help=f'replace {what} if it exists')


#: What a tool reports in one line: errors of bad input (files, keys,
#: options, configs) and of a run's state. Anything else is a bug and keeps
#: its traceback.
ONE_LINE_ERRORS = (ReportedError, OSError, ValueError, KeyError, TypeError,
                   SyntaxError, ImportError, FloatingPointError,
                   pickle.UnpicklingError)


def run_tool(main: Callable[[], None]) -> None:
    """Run a tool's ``main`` and turn an error of bad input
    (:data:`ONE_LINE_ERRORS`) into one line on stderr and exit code 1: the
    message, which names the file, key or option at fault, and the
    exception's type. ``MMDDAD_TRACEBACK=1`` re-raises it with its
    traceback; other exceptions always keep theirs."""
    try:
        main()
    except ONE_LINE_ERRORS as e:
        if os.environ.get(TRACEBACK_ENV, '0') == '1':
            raise
        print(f'error: {one_line(e)} [{type(e).__name__}; '
              f'{TRACEBACK_ENV}=1 shows the traceback]', file=sys.stderr)
        sys.exit(1)


def one_line(error: BaseException) -> str:
    """An exception's message on one line (a KeyError's without quotes)."""
    message = error.args[0] if (isinstance(error, KeyError)
                                and len(error.args) == 1) else str(error)
    return ' '.join(str(message).split()) or type(error).__name__


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
    """Process set-up shared by the tools: glibc malloc tuning, safe
    checkpoint loading (:func:`~mmddad.utils.install_safe_loader`, before
    any checkpoint, ``load_from`` or ``--resume`` is read), the checkpoint
    trust switch and ``LOCAL_RANK`` (from the parsed options that exist)."""
    tune_malloc()
    install_safe_loader()
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
    cfg = load_config(path)
    if cfg_options:
        check_cfg_option_keys(cfg, cfg_options)
        cfg.merge_from_dict(cfg_options)
    check_run_settings(cfg)
    hooks = cfg.get('default_hooks') or {}
    for name in [n for n, hook in hooks.items()
                 if hook is None and n not in RUNNER_DEFAULT_HOOKS]:
        hooks.pop(name)
    return cfg


def default_work_dir(config: str) -> str:
    """MMEngine's convention: ``work_dirs/<config name>``."""
    return osp.join('work_dirs', osp.splitext(osp.basename(config))[0])


def tool_work_dir(args: argparse.Namespace, cfg: Config) -> str:
    """The work dir of a tool's run: ``--work-dir``, else the config's
    ``work_dir``, else :func:`default_work_dir` of ``args.config``."""
    return args.work_dir or cfg.get('work_dir') or default_work_dir(
        args.config)
