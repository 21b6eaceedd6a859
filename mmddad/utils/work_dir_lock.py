# Copyright (c) mmddad contributors. All rights reserved.
"""One live run per work dir.

Two runs into the same work dir would overwrite each other's checkpoints,
``last_checkpoint``, curve and summary, and both would end well. A run that
trains into a work dir holds ``WORK_DIR/.run.lock`` while it runs: an
exclusive ``flock`` on that file, which the kernel releases when the process
ends however it ends, so the lock of a killed run is never in the way. The
file names the holder (pid, host, command line, start time) for the error of
a second run, and for the warning of a run that takes over the file a killed
run left.

Under a distributed launcher only rank 0 takes the lock (the ranks of one
run share the work dir). Read-only runs (``tools/test.py``) take none: a
checkpoint may be tested while its run trains on.
"""
import errno
import json
import os
import os.path as osp
import shlex
import socket
import sys
import time
import warnings
from contextlib import contextmanager
from typing import Dict, Iterator, Optional, Tuple

from .errors import ReportedError
from .files import output_folder
from .runner_utils import launcher_rank

try:
    import fcntl
except ImportError:  # not a POSIX system: runs are not locked
    fcntl = None

#: The lock file of a work dir.
LOCK_FILE = '.run.lock'

#: The work dirs this process holds: (pid, real path) -> nesting depth (a
#: forked child, e.g. a dataloader worker, holds none of its parent's).
_HELD: Dict[Tuple[int, str], int] = {}


class WorkDirInUseError(ReportedError):
    """Another live run holds the work dir."""


def holder_of(lock_file: str) -> dict:
    """What a lock file says of the run that wrote it (``pid``, ``host``,
    ``command``, ``started``); empty if it says nothing readable."""
    try:
        with open(lock_file, encoding='utf-8') as f:
            holder = json.load(f)
    except (OSError, ValueError):
        return {}
    return holder if isinstance(holder, dict) else {}


def describe_holder(holder: dict) -> str:
    """A run as its lock file describes it, for a message."""
    if not holder:
        return 'a run that has not written its details yet'
    return (f'pid {holder.get("pid", "?")} on {holder.get("host", "?")}, '
            f'started {holder.get("started", "?")}: '
            f'{holder.get("command", "?")}')


@contextmanager
def work_dir_lock(work_dir: str,
                  launcher: str = 'none') -> Iterator[Optional[str]]:
    """Hold the work dir of a run that writes into it, for the body of the
    ``with``; the lock file is removed on every exit.

    The folder is created if missing, and removed again if the body fails
    while it is empty (a refused run leaves nothing). A lock file whose run has ended (its
    process is gone, so its ``flock`` is free) is taken over with a warning
    that names that run. The same process may nest the lock of one work dir.

    Args:
        work_dir (str): The run's work dir (``work_dir`` / ``--work-dir``).
        launcher (str): The run's ``--launcher``: with a distributed one only
            rank 0 locks. Defaults to ``'none'``.

    Yields:
        str | None: The lock file, or None where nothing was locked (a rank
        other than 0; a system or file system without ``flock``, with a
        warning).

    Raises:
        WorkDirInUseError: Another live run holds the work dir; the message
            names its pid, host and command.
    """
    if launcher_rank(launcher) != 0:
        yield None
        return
    work_dir = work_dir or '.'  # MMEngine's '' is the current folder
    lock_file = osp.join(work_dir, LOCK_FILE)
    key = (os.getpid(), osp.realpath(work_dir))
    if key in _HELD:
        _HELD[key] += 1
        try:
            yield lock_file
        finally:
            _HELD[key] -= 1
        return
    with output_folder(work_dir, 'work dir'):  # gone again if a run fails
        fd = _acquire(lock_file, work_dir)
        if fd is None:
            yield None
            return
        _HELD[key] = 1
        try:
            yield lock_file
        finally:
            del _HELD[key]
            # removed before it is unlocked: a run that opened it meanwhile
            # finds it gone once it has the lock, and locks a new one
            try:
                os.remove(lock_file)
            except OSError:
                pass
            os.close(fd)


def _acquire(lock_file: str, work_dir: str) -> Optional[int]:
    """Lock ``lock_file`` and write this run into it; the open descriptor,
    or None where the file system cannot lock (warned)."""
    while True:
        fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            locked = _try_flock(fd)
        except OSError as e:
            os.close(fd)
            warnings.warn(f'work dir "{work_dir}" cannot be locked '
                          f'({e.strerror or e}): nothing stops another run '
                          'from writing into it at the same time')
            return None
        if not locked:
            os.close(fd)
            raise WorkDirInUseError(
                f'work dir "{work_dir}" is in use by another run '
                f'({describe_holder(holder_of(lock_file))}); wait until it '
                f'ends or choose another --work-dir (lock file "{lock_file}")')
        # the file may have been removed by its holder on release between
        # our open and our lock: then lock the one now at that path
        try:
            same = osp.samestat(os.fstat(fd), os.stat(lock_file))
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    stale = holder_of(lock_file)
    if stale:
        warnings.warn(f'work dir "{work_dir}": taking over the lock file of a '
                      f'run that ended without removing it '
                      f'({describe_holder(stale)})')
    record = dict(
        pid=os.getpid(),
        host=socket.gethostname(),
        command=shlex.join([osp.basename(sys.executable), *sys.argv]),
        started=time.strftime('%Y-%m-%d %H:%M:%S'))
    os.ftruncate(fd, 0)
    os.pwrite(fd, (json.dumps(record) + '\n').encode('utf-8'), 0)
    return fd


def _try_flock(fd: int) -> bool:
    """Take an exclusive ``flock`` without waiting: False if another open
    file holds it.

    Raises:
        OSError: The file system (or system) cannot lock files.
    """
    if fcntl is None:
        raise OSError(errno.ENOSYS, 'no fcntl.flock on this system')
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as e:
        if e.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return False
        raise
    return True
