# Copyright (c) mmddad contributors. All rights reserved.
"""Crash-safe writes of checkpoints and ``last_checkpoint``.

MMEngine writes a checkpoint by opening its final path and writing the bytes:
a crash (or SIGKILL, or a full disk) in the middle leaves a truncated file,
and ``last_checkpoint`` may already name it. The backend below writes to a
temporary file in the same folder, flushes it to disk and renames it over the
target, so a reader sees either the old file or the complete new one.
"""
import os
import os.path as osp
import tempfile
from pathlib import Path
from typing import Union

import mmengine
from mmengine.fileio import LocalBackend, register_backend


def atomic_write(data: Union[bytes, str], filepath: Union[str, Path],
                 encoding: str = 'utf-8') -> None:
    """Write ``data`` to ``filepath`` atomically (temp file + rename).

    Raises:
        OSError: The write failed (e.g. no space left on device); the
            message names the file and says that any earlier version of it
            is intact.
    """
    filepath = str(filepath)
    folder = osp.dirname(osp.abspath(filepath))
    mmengine.mkdir_or_exist(folder)
    payload = data.encode(encoding) if isinstance(data, str) else data
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(
            dir=folder, prefix=f'.{osp.basename(filepath)}.', suffix='.tmp')
        with os.fdopen(fd, 'wb') as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, filepath)
    except OSError as e:
        message = (f'could not write "{filepath}" ({e.strerror or e}); any '
                   'earlier version of the file is intact')
        raise (OSError(e.errno, message) if e.errno is not None else
               OSError(message)) from e
    finally:
        if tmp is not None and osp.exists(tmp):
            os.remove(tmp)


class AtomicLocalBackend(LocalBackend):
    """MMEngine's local file backend with atomic ``put`` / ``put_text``."""

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        """Write bytes atomically."""
        atomic_write(obj, filepath)

    def put_text(self,
                 obj: str,
                 filepath: Union[str, Path],
                 encoding: str = 'utf-8') -> None:
        """Write text atomically."""
        atomic_write(obj, filepath, encoding)


register_backend('local', AtomicLocalBackend, force=True, prefixes='')
