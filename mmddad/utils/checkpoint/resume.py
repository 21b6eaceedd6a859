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
from typing import Any, Dict, List, Optional

from mmengine.config import Config


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


#: The names MMEngine's ``CheckpointHook`` gives a run's checkpoints: other
#: ``.pth`` files of a work dir (an exported student, a copy) are not the
#: run's and are never offered for resuming.
RUN_CHECKPOINT = re.compile(r'^(iter|epoch)_(\d+)\.pth$')


def checkpoint_iteration(path: str) -> Optional[int]:
    """The iteration N of a run's ``iter_N.pth`` (None for other names)."""
    match = RUN_CHECKPOINT.match(osp.basename(path))
    return int(match.group(2)) if match and match.group(1) == 'iter' \
        else None


def _checkpoints_newest_first(work_dir: str) -> List[str]:
    """The run's checkpoints in the work dir (``iter_N.pth`` /
    ``epoch_N.pth``), the highest number first (then the newest file)."""

    def key(path: str):
        number = RUN_CHECKPOINT.match(osp.basename(path)).group(2)
        return (int(number), osp.getmtime(path))

    paths = [
        p for p in glob.glob(osp.join(work_dir, '*.pth'))
        if RUN_CHECKPOINT.match(osp.basename(p))
    ]
    return sorted(paths, key=key, reverse=True)


def select_resume_checkpoint(work_dir: str,
                             requested: Optional[str] = None) -> str:
    """The checkpoint to resume from.

    Args:
        work_dir (str): The run's work dir.
        requested (str, optional): A checkpoint named by the user
            (``--resume FILE``); None resumes automatically.

    Returns:
        str | None: For a requested file, the file itself. Automatically,
        the one ``last_checkpoint`` names if it is intact, else the newest
        intact checkpoint of the work dir (with a warning naming each file
        skipped and why).

    Raises:
        FileNotFoundError: The work dir holds no checkpoint (empty, new or
            mistyped): a resume that would start from scratch.
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
    raise FileNotFoundError(
        f'--resume: "{work_dir}" holds no checkpoint to resume from (no '
        '`last_checkpoint`, no iter_N.pth / epoch_N.pth): check the work dir, '
        'or drop --resume to start a new run')


#: ``--cfg-options`` keys a resumed run does not apply as given, and why.
RESUMED_FROM_CHECKPOINT = (
    (re.compile(r'^optim_wrapper\..*optimizer\.'),
     'is not applied: the optimiser state resumed from the checkpoint keeps '
     '{old}'),
    (re.compile(r'^param_scheduler'),
     'is not applied: the scheduler state resumed from the checkpoint keeps '
     '{old}'),
    (re.compile(r'^train_cfg\.max_(iters|epochs)$'),
     'sets where the run ends, but the learning-rate milestones resumed from '
     'the checkpoint stay those of {old}'),
)
_UNKNOWN = object()


def _lookup(cfg: Any, dotted: str) -> Any:
    """The value at a dotted ``--cfg-options`` key, or ``_UNKNOWN``."""
    value = cfg
    for part in dotted.split('.'):
        if isinstance(value, (list, tuple)) and part.isdigit() and \
                int(part) < len(value):
            value = value[int(part)]
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            return _UNKNOWN
    return value


def resume_override_warnings(cfg_options: Optional[Dict[str, Any]],
                             checkpoint: Dict[str, Any]) -> List[str]:
    """What a resumed run does with ``--cfg-options`` that change training
    values: MMEngine restores the optimiser and scheduler states from the
    checkpoint, so their new values are not applied.

    Args:
        cfg_options (dict, optional): The command line's overrides.
        checkpoint (dict): The checkpoint resumed from (its ``meta.cfg`` is
            the config the run was started with).

    Returns:
        list[str]: One line per key whose value the checkpoint overrides
        (keys whose value is unchanged are left out).
    """
    saved = None
    text = (checkpoint.get('meta') or {}).get('cfg')
    if text:
        try:
            saved = Config.fromstring(text, file_format='.py').to_dict()
        except Exception:  # noqa: BLE001 - compare what can be compared
            saved = None
    lines = []
    for key, value in (cfg_options or {}).items():
        for pattern, why in RESUMED_FROM_CHECKPOINT:
            if not pattern.match(key):
                continue
            old = _UNKNOWN if saved is None else _lookup(saved, key)
            if old is not _UNKNOWN and old == value:
                break
            old_text = ('the run\'s value' if old is _UNKNOWN else
                        f'{key.split(".")[-1]}={old!r}')
            lines.append(
                f'--resume: --cfg-options {key}={value!r} '
                + why.format(old=old_text) + '. To train with the new value '
                'throughout, start a new run from the checkpoint\'s weights '
                'with --cfg-options load_from=CHECKPOINT (without --resume).')
            break
    return lines
