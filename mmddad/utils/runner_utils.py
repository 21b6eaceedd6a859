# Copyright (c) mmddad contributors. All rights reserved.
"""Around MMEngine's runner: the rank of a process before the process group
exists, the work dir's config copy kept through a failed start, and a
training-only runner for timing and inspecting iterations."""
import os
import os.path as osp
import tempfile
from contextlib import contextmanager
from typing import Iterator

from mmengine.config import Config

from .files import atomic_write, same_path


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
