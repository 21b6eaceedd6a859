# Copyright (c) mmddad contributors. All rights reserved.
"""Keep chosen checkpoints of a run and point ``last_checkpoint`` at one.

MMEngine's ``CheckpointHook`` deletes a run's older checkpoints
(``max_keep_ckpts``) and names the newest in ``WORK_DIR/last_checkpoint``,
which ``--resume`` reads. A hook that must keep a checkpoint beyond the
rotation (``CollapseGuardHook``: the last ones validated better than chance)
holds it as a hidden hard link in the work dir, and may point
``last_checkpoint`` back at an older checkpoint so that a plain ``--resume``
does not continue from a bad one. The hook decides; the functions below
only keep the files.
"""
import glob
import os
import os.path as osp
import re
import shutil
from typing import Iterable, NamedTuple, Optional, Sequence, Tuple

from ..files import atomic_write
from .resume import checkpoint_iteration

#: The file in which MMEngine's ``CheckpointHook`` names the newest
#: checkpoint of a run.
LAST_CHECKPOINT = 'last_checkpoint'


class Repointed(NamedTuple):
    """What :func:`repoint_last_checkpoint` did to ``last_checkpoint``."""

    #: The iteration of the checkpoint it names now (None: removed).
    iteration: Optional[int]
    #: The checkpoint it names now (None: removed).
    path: Optional[str]


def link_checkpoint(source: str, target: str) -> None:
    """Make ``target`` a hard link of ``source`` (a copy where the file
    system has none), replacing it atomically.

    Args:
        source (str): The checkpoint.
        target (str): The link; an existing file there is replaced.
    """
    tmp = f'{target}.tmp'
    if osp.lexists(tmp):
        os.remove(tmp)
    try:
        os.link(source, tmp)
    except OSError:
        shutil.copyfile(source, tmp)
    os.replace(tmp, target)


def hidden_link_path(work_dir: str, tag: str, iteration: int) -> str:
    """Where a hook keeps the checkpoint of ``iteration``:
    ``WORK_DIR/.TAG_iter_N.pth``."""
    return osp.join(work_dir, f'.{tag}_iter_{iteration}.pth')


def _named_checkpoint(work_dir: str) -> Optional[str]:
    """What ``last_checkpoint`` names (empty if nothing), or None if the
    work dir has no ``last_checkpoint``."""
    last = osp.join(work_dir, LAST_CHECKPOINT)
    if not osp.isfile(last):
        return None
    with open(last) as f:
        return f.read().strip()


def link_saved_checkpoint(work_dir: str, tag: str, iteration: int,
                          epoch: int) -> Optional[str]:
    """Keep the checkpoint saved at this iteration (``iter_N.pth``) or
    epoch (``epoch_N.pth``), the one ``last_checkpoint`` names, as a hidden
    hard link (:func:`hidden_link_path`) that checkpoint rotation cannot
    delete.

    Args:
        work_dir (str): The run's work dir.
        tag (str): The hook's name for its links.
        iteration (int): The iteration just saved (names the link).
        epoch (int): The epoch just saved.

    Returns:
        str | None: The link, or None if no checkpoint of this iteration or
        epoch was saved.
    """
    path = _named_checkpoint(work_dir)
    if not path or not osp.isfile(path) or osp.basename(path) not in (
            f'iter_{iteration}.pth', f'epoch_{epoch}.pth'):
        return None
    link = hidden_link_path(work_dir, tag, iteration)
    link_checkpoint(path, link)
    return link


def remove_links(paths: Iterable[str]) -> None:
    """Remove kept links (those already gone are skipped)."""
    for path in paths:
        if osp.lexists(path):
            os.remove(path)


def remove_hidden_links(work_dir: str, tag: str,
                        keep: Sequence[str] = ()) -> None:
    """Remove the hidden links of ``tag`` in the work dir (and their
    temporary names, left by a killed run), but those in ``keep``."""
    pattern = re.compile(rf'^\.{re.escape(tag)}_iter_\d+\.pth(\.tmp)?$')
    keep = {osp.abspath(p) for p in keep}
    names = os.listdir(work_dir) if osp.isdir(work_dir) else []
    remove_links(
        osp.join(work_dir, name) for name in names if pattern.match(name)
        and osp.abspath(osp.join(work_dir, name)) not in keep)


def repoint_last_checkpoint(
        work_dir: str,
        since: int,
        run_checkpoints: bool = True,
        kept: Optional[Tuple[int, str]] = None) -> Optional[Repointed]:
    """Point ``last_checkpoint`` at the newest checkpoint from before
    iteration ``since``, or remove it if there is none, unless it already
    names one from before (or a file that is not a run's ``iter_N.pth``).

    Args:
        work_dir (str): The run's work dir.
        since (int): The first iteration whose checkpoint is not wanted.
        run_checkpoints (bool): The run's ``iter_N.pth`` from before
            ``since`` are candidates. Defaults to True.
        kept (tuple[int, str], optional): Another candidate, ``(iteration,
            path)`` (a kept link); it wins over an ``iter_N.pth`` of the
            same iteration.

    Returns:
        Repointed | None: What ``last_checkpoint`` names now
        (``Repointed(None, None)``: it was removed), or None if it was left
        as it was (or the work dir has none).
    """
    named = _named_checkpoint(work_dir)
    if named is None:
        return None
    iteration = checkpoint_iteration(named) if named else since
    if iteration is None or iteration < since:
        return None  # not a run checkpoint, or one from before
    options = [(1, it, p) for it, p in (
        (checkpoint_iteration(p), p)
        for p in glob.glob(osp.join(work_dir, 'iter_*.pth')))
        if run_checkpoints and it is not None and it < since]
    if kept is not None:
        options.append((0, *kept))
    last = osp.join(work_dir, LAST_CHECKPOINT)
    if not options:
        os.remove(last)
        return Repointed(None, None)
    _, iteration, path = max(options, key=lambda o: (o[1], o[0]))
    atomic_write(path, last)
    return Repointed(iteration, path)
