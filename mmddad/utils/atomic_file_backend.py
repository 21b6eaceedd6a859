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
    """Write ``data`` to ``filepath`` atomically (temp file + rename)."""
    filepath = str(filepath)
    folder = osp.dirname(osp.abspath(filepath))
    mmengine.mkdir_or_exist(folder)
    payload = data.encode(encoding) if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(
        dir=folder, prefix=f'.{osp.basename(filepath)}.', suffix='.tmp')
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, filepath)
    finally:
        if osp.exists(tmp):
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
