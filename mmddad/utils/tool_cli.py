# Copyright (c) mmddad contributors. All rights reserved.
"""What every script in ``tools/`` shares: options, start-up, config, and
the checks of what a tool reads and writes."""
import argparse
import json
import os
import os.path as osp
import pickle
import re
import shutil
import sys
import tempfile
from contextlib import contextmanager
from typing import (Any, Callable, Dict, Iterable, Iterator, List,
                    Optional)

from mmengine.config import Config, DictAction

from .atomic_file_backend import atomic_write
from .config_loading import load_config
from .malloc_tuning import tune_malloc
from .safe_checkpoint import TRUST_ENV
from .errors import ReportedError
from .validation import check_cfg_option_keys, check_run_settings


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


def same_path(first: str, second: str) -> bool:
    """Whether two paths name the same file or folder, also when spelled
    differently (``./x``, a symlink, a hard link)."""
    try:
        if osp.exists(first) and osp.exists(second):
            return osp.samefile(first, second)
    except OSError:
        pass
    return osp.realpath(first) == osp.realpath(second)


def check_not_input(output: str, option: str,
                    inputs: Dict[str, Optional[str]]) -> None:
    """Refuse an output that is one of the tool's inputs, with or without
    ``--force``: writing it would destroy what the tool reads.

    Args:
        output (str): A path the tool would write (or replace).
        option (str): How to name it in the error (e.g. ``'out'``,
            ``'--work-dir file'``).
        inputs (dict[str, str | None]): How to name each input (e.g.
            ``'the checkpoint'``) -> its path; None and URLs are skipped.

    Raises:
        ValueError: ``output`` is (or resolves to) one of ``inputs``.
    """
    for name, path in inputs.items():
        if not path or '://' in str(path) or not same_path(output, path):
            continue
        alias = '' if osp.abspath(output) == osp.abspath(path) else \
            ' (the same file by another path)'
        raise ValueError(
            f'{option} "{output}" is {name} "{path}"{alias}: writing it would'
            ' destroy what this tool reads; choose another path')


def add_force_option(parser: argparse.ArgumentParser,
                     what: str = 'the output file') -> None:
    """``--force``: replace an output that exists (see
    :func:`check_new_file`)."""
    parser.add_argument(
        '--force', action='store_true', help=f'replace {what} if it exists')


def check_new_file(path: str, option: str, force: bool) -> None:
    """Refuse to replace a file that exists unless ``--force`` is given.

    Args:
        path (str): The file the tool will write.
        option (str): How to name it in the error (e.g. ``'--out'``).
        force (bool): ``--force`` was given.

    Raises:
        FileExistsError: ``path`` exists and ``force`` is off.
        IsADirectoryError: ``path`` is a folder (even with ``force``).
    """
    if osp.isdir(path):
        raise IsADirectoryError(f'{option} "{path}" is a folder; name a file')
    if osp.lexists(path) and not force:
        raise FileExistsError(
            f'{option} "{path}" exists; pass --force to replace it')


def check_folder_path(path: str, option: str) -> None:
    """Fail unless ``path`` is a folder or can become one (no part of it is
    an existing file), before anything is written.

    Raises:
        NotADirectoryError: Names the option and the file in the way.
    """
    current = osp.abspath(path)
    while not osp.exists(current) and osp.dirname(current) != current:
        current = osp.dirname(current)
    if osp.exists(current) and not osp.isdir(current):
        where = '' if current == osp.abspath(path) else \
            f': "{current}" is a file'
        raise NotADirectoryError(
            f'{option} "{path}" is not a folder{where}; choose a folder')


@contextmanager
def output_folder(path: str, option: str) -> Iterator[str]:
    """Create a tool's output folder (and its missing parents) and check
    that it can be written; if the tool then fails, the folders it created
    are removed again while empty, so a refused or failed command leaves
    nothing behind.

    Raises:
        NotADirectoryError, OSError: The folder cannot be made or written;
            the message names the option.
    """
    check_folder_path(path, option)
    created: List[str] = []  # the deepest first
    current = osp.abspath(path)
    while not osp.exists(current):
        created.append(current)
        current = osp.dirname(current)

    def remove_created() -> None:
        for folder in created:
            try:
                os.rmdir(folder)
            except OSError:  # not empty (or already gone): kept
                break

    try:
        os.makedirs(path, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as e:
        remove_created()
        raise OSError(f'{option} "{path}" cannot be written: '
                      f'{e.strerror or e}') from e
    try:
        yield path
    except BaseException:
        remove_created()
        raise


def private_temp_folder(folder: str, tag: str) -> str:
    """A new hidden folder in ``folder`` for a tool's output in progress,
    ``.TAG.PID.XXXXXX.tmp``: the process id lets a later run remove what a
    killed run left (:func:`remove_stale_temp_folders`)."""
    return tempfile.mkdtemp(dir=folder, prefix=f'.{tag}.{os.getpid()}.',
                            suffix='.tmp')


def remove_stale_temp_folders(folder: str, tag: str) -> List[str]:
    """Remove the :func:`private_temp_folder` s of ``tag`` in ``folder``
    whose process has ended (a killed run's); those of running processes
    are kept.

    Returns:
        list[str]: The paths removed.
    """
    pattern = re.compile(rf'^\.{re.escape(tag)}\.(\d+)\..+\.tmp$')
    removed = []
    names = os.listdir(folder) if osp.isdir(folder) else []
    for name in names:
        match = pattern.match(name)
        if match is None or _process_alive(int(match.group(1))):
            continue
        path = osp.join(folder, name)
        if osp.isdir(path) and not osp.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            os.remove(path)
        removed.append(path)
    return removed


def indexed_paths(folder: str, entries: Iterable[Any],
                  index: str) -> List[str]:
    """The files an index of a tool's output lists that exist in its
    output folder, checked to lie inside it, before a tool replaces or
    deletes them.

    Every entry is resolved with :func:`os.path.realpath`: the folder that
    holds it, and (for a symlink) where it points, must be inside the real
    ``folder``, so a symlinked folder or a ``..`` cannot lead a deletion
    outside. A symlink entry stays a link: removing it removes the link
    only. Entries that do not exist, or are folders, are left out.

    Args:
        folder (str): The tool's output folder.
        entries (Iterable): The paths the index lists, relative to
            ``folder``.
        index (str): The index file, named in errors.

    Returns:
        list[str]: The existing files and links among ``entries``, as
        normalised paths relative to ``folder``, each once.

    Raises:
        ValueError: An entry is not a relative path, or resolves outside
            ``folder``; the message names the index and the entry.
    """
    root = osp.realpath(folder)
    found = []
    for entry in entries:
        if not isinstance(entry, str) or not entry or osp.isabs(entry):
            raise ValueError(
                f'index "{index}" lists {entry!r}, not a path relative to '
                f'"{folder}"; remove that entry (or the index)')
        path = osp.normpath(osp.join(folder, entry))
        # the entry itself (not followed), and where it leads
        real = [osp.join(osp.realpath(osp.dirname(path)), osp.basename(path)),
                osp.realpath(path)]
        outside = next((p for p in real if p == root or osp.commonpath(
            [p, root]) != root), None)
        if outside is not None:
            raise ValueError(
                f'index "{index}" lists "{entry}", which resolves to '
                f'"{outside}", not inside "{folder}": refusing to replace or '
                'delete it; remove that entry (or the index)')
        rel = osp.relpath(path, folder)
        if (osp.islink(path) or osp.isfile(path)) and rel not in found:
            found.append(rel)
    return found


def _process_alive(pid: int) -> bool:
    """Whether a process of this machine has that id."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. another user's process
        return True
    return True


def read_json(path: str, what: str = '') -> Any:
    """Read a JSON file that a tool relies on; an error names the file.

    Args:
        path (str): The file.
        what (str): What it is, for the message (e.g. ``'results file '``).

    Raises:
        ValueError: It is not valid JSON (the file, line and column).
    """
    try:
        with open(path, encoding='utf-8') as f:
            return json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f'{what}"{path}" is not valid JSON ({e})') from e


def read_json_lines(path: str, what: str = '') -> List[Any]:
    """Read a file of one JSON record a line (MMEngine's ``scalars.json``);
    blank lines are skipped. An error names the file and the line.

    Raises:
        ValueError: A line is not valid JSON.
    """
    records = []
    with open(path, encoding='utf-8') as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise ValueError(f'{what}"{path}", line {number}, is not '
                                 f'valid JSON ({e.msg})') from e
    return records


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


#: The variable each distributed ``--launcher`` sets to a process's global
#: rank before MMEngine starts the process group.
LAUNCHER_RANK_ENV = dict(
    pytorch='RANK', slurm='SLURM_PROCID', mpi='OMPI_COMM_WORLD_RANK')


def launcher_rank(launcher: str) -> int:
    """The global rank of this process in a run started by ``launcher``
    (``--launcher``, or a config's ``launcher``), also before the process
    group exists: 0 without a distributed launcher."""
    from mmengine.dist import get_rank, is_distributed
    if is_distributed():
        return get_rank()
    name = LAUNCHER_RANK_ENV.get(launcher)
    return int(os.environ.get(name, '0')) if name else 0


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


@contextmanager
def keep_config_copy(cfg: Config) -> Iterator[None]:
    """Put the work dir's copy of the config back if start-up fails, and
    never replace a config file that is itself that copy.

    MMEngine's runner writes ``<work_dir>/<config name>`` while it is being
    built, before checkpoints and options are checked: a run that then
    fails would leave its own config in place of the one of the run whose
    checkpoints the work dir holds. A config file inside its own work dir
    (``tools/test.py work_dirs/x/x.py ...``) would be replaced by MMEngine's
    dump of it (comments and ``_base_`` lost): its bytes are written back in
    place (same file, same permissions) whether the body fails or not.
    Wrap each construction of a runner with ``cfg`` in this.
    """
    path = None
    if cfg.filename:
        path = osp.join(cfg.work_dir, osp.basename(cfg.filename))
    before = None
    if path and osp.isfile(path):
        with open(path, 'rb') as f:
            before = f.read()
    own_file = before is not None and same_path(cfg.filename, path)
    # only rank 0 writes the copy (MMEngine's dump_config is master-only)
    if launcher_rank(cfg.get('launcher', 'none')) != 0:
        path = None
    try:
        yield
    except BaseException:
        if path and own_file:
            _write_back(before, path)
        elif path and before is not None:
            atomic_write(before, path)
        elif path and osp.isfile(path):
            os.remove(path)
        raise
    if path and own_file:
        _write_back(before, path)


def _write_back(data: bytes, path: str) -> None:
    """Rewrite a file in place (the same inode, permissions and links) with
    ``data``, unless it already holds them."""
    with open(path, 'r+b') as f:
        if f.read() == data:
            return
        f.seek(0)
        f.write(data)
        f.truncate()


@contextmanager
def training_only_runner(cfg: Config, prefix: str) -> Iterator[tuple]:
    """A runner for timing or inspecting training iterations of ``cfg``:
    no validation, test, logging or checkpoints, its work dir a temporary
    folder removed on every exit.

    Args:
        cfg (Config): The config; changed in place.
        prefix (str): Prefix of the temporary folder.

    Yields:
        tuple: The runner's model (in training mode), its optim wrapper and
        its training loop, built.
    """
    from mmengine.runner import Runner
    for key in ('val_dataloader', 'val_cfg', 'val_evaluator',
                'test_dataloader', 'test_cfg', 'test_evaluator'):
        cfg.pop(key, None)
    cfg.default_hooks = dict(logger=None, checkpoint=None)
    cfg.log_level = 'WARNING'
    with tempfile.TemporaryDirectory(prefix=prefix) as work_dir:
        cfg.work_dir = work_dir
        runner = Runner.from_cfg(cfg)
        optim_wrapper = runner.build_optim_wrapper(cfg.optim_wrapper)
        loop = runner.build_train_loop(cfg.train_cfg)
        runner.model.train()
        yield runner.model, optim_wrapper, loop
