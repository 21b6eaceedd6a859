# Copyright (c) mmddad contributors. All rights reserved.
"""Safe loading of OpenMMLab checkpoints on every supported torch.

MMEngine 0.10.7 calls ``torch.load`` without ``weights_only``. Since torch 2.6
that means ``weights_only=True``, which refuses MMEngine's own checkpoints
(they hold a ``HistoryBuffer`` and numpy values in ``message_hub``); before
torch 2.6 it means full unpickling, which runs whatever code a file carries.
Either way, mmddad allows exactly the types OpenMMLab checkpoints hold
(:data:`CHECKPOINT_ALLOWLIST`) and refuses anything else with an error that
names the type: through torch's weights-only loader where it can be taught
extra types (``torch.serialization.add_safe_globals``, torch >= 2.4), and
through an allowlist unpickler of its own on older torch
(:mod:`mmddad.utils.checkpoint.restricted_pickle`). A user who trusts a
file can opt out with the environment variable
``MMDDAD_TRUST_CHECKPOINTS=1`` (``--trust-checkpoints`` in the tools),
which loads it with full unpickling: that can run arbitrary code.

Local paths and ``http://`` / ``https://`` URLs (and MMEngine's
``torchvision://``, ``open-mmlab://`` and ``mmcls://`` names, which resolve
to URLs) all load this way: a URL is downloaded into torch's hub cache, as
torch and MMEngine do, and the cached file is loaded with the allowlist, on
its first and every later use.

Importing this module changes no global state: MMEngine's loaders are
replaced (and torch taught the allowlist) by :func:`install_safe_loader`,
which the tools and the entry points of :mod:`mmddad.apis` call.
"""
import io
import os
import os.path as osp
import pickle
import sys
import uuid
import zipfile
from typing import Any, List, Optional
from urllib.parse import urlparse

import mmengine.runner.checkpoint as mmengine_checkpoint
import numpy as np
import torch
import torch.hub
from mmengine.dist import get_dist_info
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

from .restricted_pickle import restricted_pickle_module
from .resume import checkpoint_damage

TRUST_ENV = 'MMDDAD_TRUST_CHECKPOINTS'


def _numpy_globals() -> List[Any]:
    """Numpy reconstruction helpers and dtypes found in pickled arrays."""
    try:  # numpy >= 2
        from numpy._core import multiarray
    except ImportError:  # pragma: no cover - numpy 1.x
        from numpy.core import multiarray
    dtype_classes = []
    if hasattr(np, 'dtypes'):  # numpy >= 1.25: one class per dtype
        dtype_classes = [
            getattr(np.dtypes, name) for name in dir(np.dtypes)
            if name.endswith('DType')
        ]
    return [multiarray._reconstruct, multiarray.scalar, np.ndarray, np.dtype
            ] + dtype_classes


def history_buffer_getattr(obj: Any, name: str) -> Any:
    """The only ``getattr`` a checkpoint may call while being unpickled.

    MMEngine pickles a ``HistoryBuffer`` with its statistics methods, which
    pickle writes as ``getattr(HistoryBuffer, 'mean')``. A general
    ``getattr`` would let a crafted file walk from any allowed object to
    ``os.system``; this one resolves public methods of ``HistoryBuffer`` only.
    """
    if obj is HistoryBuffer and not name.startswith('_') and callable(
            getattr(HistoryBuffer, name, None)):
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        f'checkpoint calls getattr({obj!r}, {name!r}), which is not allowed')


#: Types that MMEngine / MMPretrain / MMSeg checkpoints may hold besides
#: tensors and plain containers (which torch's safe unpickler always allows).
CHECKPOINT_ALLOWLIST: List[Any] = [
    HistoryBuffer, (history_buffer_getattr, 'builtins.getattr'), bytes
] + _numpy_globals()

#: Whether torch's weights-only loader can be taught the allowlist (torch
#: >= 2.4); otherwise :func:`safe_torch_load` uses its own unpickler.
TORCH_HAS_SAFE_GLOBALS = hasattr(torch.serialization, 'add_safe_globals')


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint holds a type outside :data:`CHECKPOINT_ALLOWLIST`."""


class UnreadableCheckpointError(ValueError):
    """A file is not a (complete) PyTorch checkpoint."""


def trust_checkpoints() -> bool:
    """Whether the user switched safe loading off (``MMDDAD_TRUST_CHECKPOINTS``)."""
    return os.environ.get(TRUST_ENV, '0').lower() in ('1', 'true', 'yes')


def safe_torch_load(file: Any,
                    map_location: Optional[Any] = None,
                    name: Optional[str] = None) -> Any:
    """``torch.load`` restricted to :data:`CHECKPOINT_ALLOWLIST`.

    Args:
        file: A path or a file-like object.
        map_location: Same as :func:`torch.load`.
        name: How to call the file in error messages (defaults to ``file``).

    Returns:
        The unpickled checkpoint.

    Raises:
        UnsafeCheckpointError: The file holds a type that is not allowed;
            the message names it and says how to opt out.
        UnreadableCheckpointError: The file is not a PyTorch checkpoint, or
            a damaged one (cut short, corrupted); the message names it.
    """
    try:
        if trust_checkpoints():
            return torch.load(file, map_location=map_location,
                              weights_only=False)
        if TORCH_HAS_SAFE_GLOBALS and not _force_own_unpickler():
            _teach_torch()
            return torch.load(file, map_location=map_location,
                              weights_only=True)
        return torch.load(file, map_location=map_location,
                          weights_only=False,
                          pickle_module=_restricted_pickle())
    except pickle.UnpicklingError as e:
        if trust_checkpoints() or not _refused_type(e):
            raise _unreadable(file, name, e) from e
        unsafe = _unsafe_globals(file)
        raise UnsafeCheckpointError(
            f'Refused to load checkpoint "{name or file}": it holds '
            f'{("the type(s) " + unsafe) if unsafe else "a type"} outside '
            'the allowlist of OpenMMLab checkpoints '
            '(mmddad.utils.CHECKPOINT_ALLOWLIST), and unpickling it could run '
            'arbitrary code. If you trust this file, set '
            f'{TRUST_ENV}=1 (or pass --trust-checkpoints to the tools). '
            f'torch said: {str(e).splitlines()[0]}') from e
    except (RuntimeError, ValueError, EOFError, IndexError, KeyError,
            AttributeError, OSError) as e:
        if isinstance(e, FileNotFoundError):
            raise
        raise _unreadable(file, name, e) from e


def _force_own_unpickler() -> bool:
    """Use mmddad's unpickler even where torch's could be taught the
    allowlist (``MMDDAD_OWN_UNPICKLER=1``: how the tests check the route of
    old torch on a new one)."""
    return os.environ.get('MMDDAD_OWN_UNPICKLER', '0') == '1'


def _teach_torch() -> None:
    """Add :data:`CHECKPOINT_ALLOWLIST` to the globals torch's weights-only
    loader allows (torch >= 2.4; adding them again changes nothing)."""
    if TORCH_HAS_SAFE_GLOBALS:
        torch.serialization.add_safe_globals(CHECKPOINT_ALLOWLIST)


_RESTRICTED_PICKLE = None


def _restricted_pickle() -> Any:
    """The allowlist pickle module (built once, on first use)."""
    global _RESTRICTED_PICKLE
    if _RESTRICTED_PICKLE is None:
        _RESTRICTED_PICKLE = restricted_pickle_module(CHECKPOINT_ALLOWLIST)
    return _RESTRICTED_PICKLE


def _unsafe_globals(file: Any) -> str:
    """The refused globals of a file, where torch can list them (torch >=
    2.5); empty otherwise (the error then keeps torch's own text)."""
    finder = getattr(torch.serialization, 'get_unsafe_globals_in_checkpoint',
                     None)
    if finder is None or not isinstance(file, (str, os.PathLike)):
        return ''
    try:
        return ', '.join(finder(file))
    except Exception:  # noqa: BLE001 - old format; keep torch's text
        return ''


def _refused_type(error: pickle.UnpicklingError) -> bool:
    """Whether torch's safe unpickler refused a type (not a broken file)."""
    text = str(error).lower()
    return 'unsupported global' in text or 'add_safe_globals' in text


def _unreadable(file: Any, name: Optional[str],
                error: Exception) -> UnreadableCheckpointError:
    """The error for a file torch cannot read, saying why if it can tell."""
    why = None
    if isinstance(file, (str, os.PathLike)):
        why = checkpoint_damage(str(file))
    if why is None:
        why = ' '.join(f'{type(error).__name__}: {error}'.split())[:200]
    return UnreadableCheckpointError(
        f'checkpoint "{name or file}" cannot be read as a PyTorch '
        f'checkpoint: {why}')


def load_from_local_safely(filename: str, map_location: Any) -> Any:
    """Replacement of MMEngine's local-path checkpoint loader.

    Args:
        filename: Local checkpoint path.
        map_location: Same as :func:`torch.load`.

    Returns:
        The loaded checkpoint.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint file "{filename}" does not exist')
    return safe_torch_load(filename, map_location=map_location)


def cached_checkpoint_path(url: str, model_dir: Optional[str] = None) -> str:
    """Where torch and MMEngine keep the download of a checkpoint URL.

    Args:
        url: An ``http://`` or ``https://`` URL.
        model_dir: The cache folder; defaults to torch's,
            ``torch.hub.get_dir()/checkpoints`` (``$TORCH_HOME/hub/...``).

    Returns:
        ``model_dir`` joined with the last part of the URL's path, the name
        ``torch.hub.load_state_dict_from_url`` gives it.

    Raises:
        ValueError: The URL's path names no file.
    """
    name = osp.basename(urlparse(url).path)
    if name in ('', '.', '..'):
        raise ValueError(f'checkpoint URL "{url}" names no file to download')
    if model_dir is None:
        model_dir = osp.join(torch.hub.get_dir(), 'checkpoints')
    return osp.join(model_dir, name)


def download_checkpoint(url: str,
                        model_dir: Optional[str] = None,
                        progress: bool = True) -> str:
    """Download a checkpoint URL into the cache, unless it is there already.

    The file is downloaded under a temporary name beside its cache path and
    renamed when complete, so an interrupted download leaves no cached file.

    Args:
        url: An ``http://`` or ``https://`` URL.
        model_dir: As in :func:`cached_checkpoint_path`.
        progress: Show a progress bar on stderr.

    Returns:
        The cached file (:func:`cached_checkpoint_path`).

    Raises:
        OSError: The download failed; the message names the URL.
    """
    cached = cached_checkpoint_path(url, model_dir)
    if osp.exists(cached):
        return cached
    os.makedirs(osp.dirname(cached), exist_ok=True)
    partial = f'{cached}.{uuid.uuid4().hex}.partial'
    sys.stderr.write(f'Downloading: "{url}" to {cached}\n')
    try:
        torch.hub.download_url_to_file(url, partial, progress=progress)
        os.replace(partial, cached)
    except OSError as e:  # urllib's URLError and HTTPError too
        why = ' '.join(str(e).split())
        raise OSError(
            f'checkpoint URL "{url}" cannot be downloaded: {why}') from e
    finally:
        if osp.lexists(partial):
            os.remove(partial)
    return cached


def load_cached_checkpoint(cached: str,
                           map_location: Optional[Any] = None,
                           name: Optional[str] = None) -> Any:
    """:func:`safe_torch_load` of a downloaded checkpoint, also of a zip
    that holds one file saved by torch < 1.6 (torch hub's legacy format,
    read in memory instead of extracted beside it)."""
    if zipfile.is_zipfile(cached):
        with zipfile.ZipFile(cached) as archive:
            members = archive.infolist()
            if len(members) == 1 and not members[0].is_dir():
                data = io.BytesIO(archive.read(members[0]))
                return safe_torch_load(
                    data, map_location=map_location,
                    name=f'{name or cached}, {members[0].filename} in it')
    return safe_torch_load(cached, map_location=map_location, name=name)


def load_from_http_safely(filename: str,
                          map_location: Optional[Any] = None,
                          model_dir: Optional[str] = None) -> Any:
    """Replacement of MMEngine's ``http://`` / ``https://`` checkpoint
    loader: the URL is downloaded into torch's hub cache (a cached copy is
    reused), and the cached file loaded with :func:`safe_torch_load`.

    In distributed runs rank 0 downloads, the other ranks wait for it and
    then load the cached file, as MMEngine's loader does.

    Args:
        filename: The URL.
        map_location: Same as :func:`torch.load`.
        model_dir: As in :func:`cached_checkpoint_path`.

    Returns:
        The loaded checkpoint.
    """
    rank, world_size = get_dist_info()
    if rank == 0:
        try:
            cached = download_checkpoint(filename, model_dir)
        finally:  # the other ranks never wait for a failed download
            if world_size > 1:
                torch.distributed.barrier()
    else:
        torch.distributed.barrier()
        cached = download_checkpoint(filename, model_dir, progress=False)
    return load_cached_checkpoint(
        cached, map_location=map_location,
        name=f'{filename} (cached as {cached})')


def install_safe_loader() -> None:
    """Route MMEngine's checkpoint loading through the allowlist.

    Every ``load_from``, ``resume`` and ``load_checkpoint`` of a local file
    or a URL goes through MMEngine's ``CheckpointLoader``: its local
    (``''``) and ``http://`` / ``https://`` schemes become
    :func:`load_from_local_safely` and :func:`load_from_http_safely`, and
    ``mmengine.runner.checkpoint.load_from_http`` (which the
    ``torchvision://``, ``open-mmlab://`` and ``mmcls://`` loaders call
    directly, not through the registry) becomes
    :func:`load_from_http_safely`; torch's weights-only loader is taught
    :data:`CHECKPOINT_ALLOWLIST`. Importing :mod:`mmddad` does none of
    this: it is done here, once per process (calling it again changes
    nothing), where a tool, an API call or a run starts:

    - ``start_tool`` of :mod:`mmddad.apis.cli`, which every script in
      ``tools/`` calls before it reads a config or a checkpoint (this covers
      ``load_from`` and ``--resume`` of ``tools/train.py``,
      ``tools/distill.py`` and ``tools/test.py``);
    - the entry points of :mod:`mmddad.apis` (``train``, ``distill``,
      ``ensure_teacher``, ``evaluate_checkpoint``, ``evaluate_student``,
      ``evaluate_teacher``, ``init_distiller``), whose runners load
      ``load_from`` / ``resume``;
    - :func:`~mmddad.utils.load_checkpoint_file`, through which
      :func:`~mmddad.utils.load_weights`, ``build_network`` (a network's
      ``checkpoint``), ``export_student`` and
      :func:`~mmddad.utils.check_runner_checkpoint` read checkpoints;
    - ``DataFreeTrainLoop.__init__``: MMEngine's ``Runner.train`` builds
      its training loop before ``load_or_resume``, so a data-free run
      started from a config by MMEngine's own runner (a user's script)
      loads ``load_from`` / ``resume`` through the allowlist too;
    - ``SafeLoadingHook``, one of the ``default_hooks`` every mmddad config
      inherits: built in ``Runner.__init__``, it covers any runner of an
      mmddad config that other code builds (a teacher recipe's
      ``Runner.from_cfg``, MMPretrain's or MMSeg's own tools).
    """
    _teach_torch()
    CheckpointLoader.register_scheme(
        '', loader=load_from_local_safely, force=True)
    CheckpointLoader.register_scheme(
        ('http://', 'https://'), loader=load_from_http_safely, force=True)
    mmengine_checkpoint.load_from_http = load_from_http_safely
