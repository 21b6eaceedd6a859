# Copyright (c) mmddad contributors. All rights reserved.
"""Files a tool or a run reads and writes: crash-safe writes, the checks of
an output path (not an input, not replaced without ``--force``, a folder
that can be written), output folders and temporary folders of a tool's
output in progress, the files an output index lists, the one set of rules
of a folder a tool writes files into (:class:`IndexedOutputFolder`), and
JSON records."""
import json
import os
import os.path as osp
import re
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import (Any, Dict, Iterable, Iterator, List, Optional, Sequence,
                    Union)

import mmengine


def atomic_write(data: Union[bytes, str], filepath: Union[str, Path],
                 encoding: str = 'utf-8') -> None:
    """Write ``data`` to ``filepath`` atomically: into a temporary file in
    the same folder, flushed to disk and renamed over ``filepath``, so a
    reader (or a crash) sees either the old file or the complete new one.

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


class IndexedOutputFolder:
    """A folder a tool writes its files into, with an index of them: the
    one set of rules of ``tools/synthesize.py`` and ``tools/deploy.py``.

    - The index (``index``, in the folder) lists the files the tool wrote
      there, itself included. Its entries must stay inside the folder
      (:func:`indexed_paths`); an edited one that does not is refused.
    - A folder that holds an earlier output (the files its index lists)
      is refused unless ``force``, which replaces that output as a whole
      (an earlier file this run does not write is removed) and never
      touches a file the index does not list.
    - A file this run would write where something no index lists stands
      (or a file or link where a folder of its path goes) is refused, even
      with ``force``, before anything is loaded (the names known then) and
      again before anything is moved, with every name written: nothing in
      the folder is changed.
    - ``exclusive`` (a dataset folder, read as a whole): a folder holding
      other files is refused unless ``force >= 2`` (those files are kept).
    - No path written or replaced is one of ``inputs``.
    - The files are written into a hidden folder inside the folder
      (``.TAG.PID.XXXXXX.tmp``) and moved into place once all are
      complete: first the index is rewritten to list the earlier and the
      new files (a run killed while moving leaves an index of everything
      of this tool there, for the next ``force``), then the earlier files
      not written again are removed, then the new files are renamed into
      place, the new index last. The hidden folders of killed runs are
      removed by the next run; a refused or failed run leaves no folder it
      made.

    Args:
        path (str): The output folder.
        option (str): How errors name it (``'--out'``).
        index (str): The index file's name.
        tag (str): The tool's tag of hidden folders.
        force (int): ``--force`` given (a count; 2: also beside other
            files of an ``exclusive`` folder).
        what (str): What an earlier output is called in errors.
        inputs (dict[str, str | None]): What the tool reads (name -> path),
            which no output may be.
        exclusive (bool): Refuse other files unless ``force >= 2``.
    """

    def __init__(self,
                 path: str,
                 option: str,
                 index: str,
                 tag: str,
                 force: int = 0,
                 what: str = 'an earlier output of this tool',
                 inputs: Optional[Dict[str, Optional[str]]] = None,
                 exclusive: bool = False) -> None:
        self.path, self.option, self.index, self.tag = path, option, index, tag
        self.force, self.what, self.exclusive = int(force), what, exclusive
        self.inputs = dict(inputs or {})

    def earlier_files(self) -> List[str]:
        """The files of an earlier output: those its index lists, and the
        index (sorted); empty without an index."""
        index = osp.join(self.path, self.index)
        if not osp.isfile(index):
            return []
        record = read_json(index, 'the index of what this tool wrote, ')
        listed = record.get('files', []) if isinstance(record, dict) else []
        return sorted({*indexed_paths(self.path, listed, index), self.index})

    def check(self, names: Sequence[str] = ()) -> List[str]:
        """Refuse a folder the run may not write into, before anything is
        loaded or written.

        Args:
            names (Sequence[str]): The files this run will write, relative
                to the folder, as far as known.

        Returns:
            list[str]: The files of the earlier output, to replace.

        Raises:
            NotADirectoryError: A file stands where the folder goes.
            ValueError: An output is an input, or the index reaches outside.
            FileExistsError: An earlier output without ``force``, a name on
                something no index lists, or other files of an exclusive
                folder without ``force >= 2``.
        """
        check_folder_path(self.path, self.option)
        check_not_input(self.path, self.option, self.inputs)
        old = self.earlier_files()
        for name in sorted({*old, *names}):
            check_not_input(osp.join(self.path, name), f'{self.option} file',
                            self.inputs)
        blocked = self._blocked(names, old)
        if blocked:
            raise FileExistsError(
                f'{self.option} "{self.path}" holds {_shown(blocked)}, which '
                f'this run would write but no {self.index} lists: not '
                'replaced, even with --force, and nothing was changed; move '
                'it away or choose another folder')
        if old and not self.force:
            raise FileExistsError(
                f'{self.option} "{self.path}" holds {self.what} '
                f'({_shown(old)}); pass --force to replace it as a whole, or '
                'choose another folder')
        others = self.other_entries(old) if self.exclusive else []
        if others and self.force < 2:
            raise FileExistsError(
                f'{self.option} "{self.path}" holds {len(others)} files this '
                f'tool did not write ({_shown(others, 3)}); --force replaces '
                f'only its own files (listed in {self.index}). Choose an '
                'empty folder, or pass --force twice to write beside those '
                'files (they are kept).')
        return old

    def other_entries(self, own: Sequence[str]) -> List[str]:
        """Files and symlinked folders under the folder that are not in
        ``own`` (the hidden folders of this tool's runs aside)."""
        found = []
        temp = re.compile(rf'^\.{re.escape(self.tag)}\.\d+\..+\.tmp$')
        for root, folders, names in os.walk(self.path):
            if root == self.path:
                folders[:] = [f for f in folders if not temp.match(f)]
            links = [f for f in folders if osp.islink(osp.join(root, f))]
            for name in names + links:
                rel = osp.relpath(osp.join(root, name), self.path)
                if rel not in own:
                    found.append(rel)
        return sorted(found)

    def _blocked(self, names: Sequence[str], old: Sequence[str]) -> List[str]:
        """The paths of ``names`` that hold something no index lists: the
        file itself, or a file or link where a folder of its path goes."""
        found: List[str] = []
        for name in names:
            parts = osp.normpath(name).split(os.sep)
            for i in range(1, len(parts) + 1):
                sub = osp.join(*parts[:i])
                target = osp.join(self.path, sub)
                if i < len(parts) and (osp.islink(target)
                                       or osp.isfile(target)) or (
                        i == len(parts) and osp.lexists(target)
                        and sub not in old):
                    if sub not in found:
                        found.append(sub)
                    break
        return found

    @contextmanager
    def writing(self, record: Optional[dict] = None,
                names: Sequence[str] = ()) -> Iterator[str]:
        """Yield a new hidden folder to write the output into; when the body
        ends without an error, publish it (checks run again first).

        Args:
            record (dict, optional): What the index records beside
                ``files`` (the config, checkpoint, seed, ...).
            names (Sequence[str]): The files in the order the index lists
                them (others the body writes follow, sorted; the index is
                last).
        """
        with output_folder(self.path, self.option):
            remove_stale_temp_folders(self.path, self.tag)
            tmp = private_temp_folder(self.path, self.tag)
            try:
                yield tmp
                self._publish(tmp, dict(record or {}), names)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)

    def _publish(self, tmp: str, record: dict, names: Sequence[str]) -> None:
        """Move the files of ``tmp`` into the folder (see the class)."""
        written = sorted(
            osp.relpath(osp.join(root, name), tmp)
            for root, _, found in os.walk(tmp) for name in found)
        new = [n for n in names if n in written and n != self.index]
        new += [n for n in written if n not in new and n != self.index]
        new.append(self.index)
        with open(osp.join(tmp, self.index), 'w') as f:
            json.dump(dict(record, files=new), f, indent=1)
        old = self.check(new)
        atomic_write(json.dumps(dict(record, files=sorted({*old, *new})),
                                indent=1), osp.join(self.path, self.index))
        for name in old:
            if name not in new and osp.lexists(osp.join(self.path, name)):
                os.remove(osp.join(self.path, name))
        for name in new:  # the index last
            target = osp.join(self.path, name)
            os.makedirs(osp.dirname(target), exist_ok=True)
            os.replace(osp.join(tmp, name), target)


def _shown(names: Sequence[str], limit: int = 5) -> str:
    """Up to ``limit`` names, and how many more."""
    more = len(names) - limit
    return ', '.join(names[:limit]) + (f' and {more} more' if more > 0 else '')
