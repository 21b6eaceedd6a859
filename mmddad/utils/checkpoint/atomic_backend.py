# Copyright (c) mmddad contributors. All rights reserved.
"""Crash-safe writes of checkpoints and ``last_checkpoint``.

MMEngine writes a checkpoint by opening its final path and writing the bytes:
a crash (or SIGKILL, or a full disk) in the middle leaves a truncated file,
and ``last_checkpoint`` may already name it. The backend below writes to a
temporary file in the same folder, flushes it to disk and renames it over the
target (:func:`~mmddad.utils.files.atomic_write`), so a reader sees either
the old file or the complete new one. It is MMEngine's local backend from
the import of :mod:`mmddad.utils` on.
"""
from pathlib import Path
from typing import Union

from mmengine.fileio import LocalBackend, register_backend

from ..files import atomic_write


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
