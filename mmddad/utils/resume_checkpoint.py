# Copyright (c) mmddad contributors. All rights reserved.
"""Choose the checkpoint to resume from, never a damaged one.

A checkpoint can be damaged outside the run (a copy cut short, a full disk
while another tool wrote it). MMEngine resumes from what ``last_checkpoint``
names and fails with torch's "failed reading zip archive", naming no file.
Here every candidate is checked first: ``torch.save`` writes a zip archive,
whose central directory and per-member CRCs tell a complete file from a
truncated or corrupted one, without unpickling anything.
"""
import glob
import os.path as osp
import re
import warnings
import zipfile
from typing import List, Optional


def checkpoint_damage(path: str) -> Optional[str]:
    """Why the checkpoint at ``path`` cannot be loaded, or None if it is
    intact (a complete zip archive whose members pass their CRC check)."""
    if not osp.isfile(path):
        return 'the file does not exist'
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        return f'it is not a complete checkpoint archive ({e})'
    if bad is not None:
        return f'its member "{bad}" fails its CRC check'
    return None


def _checkpoints_newest_first(work_dir: str) -> List[str]:
    """``*.pth`` of the work dir, the highest iteration/epoch number first
    (then the newest file)."""

    def key(path: str):
        numbers = re.findall(r'\d+', osp.basename(path))
        return (int(numbers[-1]) if numbers else -1, osp.getmtime(path))

    return sorted(glob.glob(osp.join(work_dir, '*.pth')), key=key,
                  reverse=True)


def select_resume_checkpoint(work_dir: str,
                             requested: Optional[str] = None
                             ) -> Optional[str]:
    """The checkpoint to resume from.

    Args:
        work_dir (str): The run's work dir.
        requested (str, optional): A checkpoint named by the user
            (``--resume FILE``); None resumes automatically.

    Returns:
        str | None: For a requested file, the file itself. Automatically,
        the one ``last_checkpoint`` names if it is intact, else the newest
        intact checkpoint of the work dir (with a warning naming each file
        skipped and why); None when the work dir holds no checkpoint.

    Raises:
        ValueError: The requested file is damaged (the error names it and
            the intact checkpoints beside it), or every checkpoint of the
            work dir is: the run does not silently restart from scratch.
    """
    if requested is not None:
        damage = checkpoint_damage(requested)
        if damage is None:
            return requested
        folder = osp.dirname(osp.abspath(requested))
        intact = [
            p for p in _checkpoints_newest_first(folder)
            if osp.abspath(p) != osp.abspath(requested)
            and checkpoint_damage(p) is None
        ]
        raise ValueError(
            f'--resume "{requested}": cannot resume from it: {damage}. '
            + (f'Intact checkpoints beside it: {", ".join(intact)}.'
               if intact else 'No intact checkpoint is beside it.'))
    candidates = []
    last = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(last):
        with open(last) as f:
            named = f.read().strip()
        if named:
            candidates.append(named)
    candidates += [
        p for p in _checkpoints_newest_first(work_dir)
        if osp.abspath(p) not in map(osp.abspath, candidates)
    ]
    skipped = []
    for path in candidates:
        damage = checkpoint_damage(path)
        if damage is None:
            if skipped:
                warnings.warn(
                    'resuming from "{}"; skipped {}'.format(
                        path, '; '.join(f'"{p}" ({why})'
                                        for p, why in skipped)))
            return path
        skipped.append((path, damage))
    if skipped:
        raise ValueError(
            f'--resume: no checkpoint of "{work_dir}" can be loaded: '
            + '; '.join(f'"{p}": {why}' for p, why in skipped)
            + '. Resume from a good copy with --resume FILE, or remove the '
            'work dir to start again.')
    return None
