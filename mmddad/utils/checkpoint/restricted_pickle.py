# Copyright (c) mmddad contributors. All rights reserved.
"""An allowlist unpickler for ``torch.load(pickle_module=...)``.

torch < 2.4 has no ``torch.serialization.add_safe_globals``: its
``weights_only=True`` loader cannot be taught the types OpenMMLab checkpoints
hold (``HistoryBuffer``, numpy values), and MMEngine's own ``torch.load``
unpickles anything there. On such a torch, :func:`safe_torch_load` loads with
the unpickler of this module instead: the standard pickle machine whose
``find_class`` resolves only the globals torch's own weights-only loader
allows plus :data:`~mmddad.utils.CHECKPOINT_ALLOWLIST` (Python's documented
way of restricting globals), and refuses anything else with the same
"Unsupported global" error torch's loader gives.
"""
import _compat_pickle
import codecs
import pickle
import types
from typing import Any, Dict, Iterable

import torch


def _torch_allowed_globals() -> Dict[str, Any]:
    """``module.name -> object`` of what torch's weights-only loader allows
    (tensors, parameters, storages, sizes, dtypes, ordered dicts)."""
    try:
        from torch._weights_only_unpickler import _get_allowed_globals
        allowed = dict(_get_allowed_globals())
    except (ImportError, AttributeError):  # pragma: no cover - old torch
        allowed = {}
    import collections
    from torch import _utils
    allowed.setdefault('collections.OrderedDict', collections.OrderedDict)
    # MultiStepLR keeps its milestones in a Counter (allowed by newer torch)
    allowed.setdefault('collections.Counter', collections.Counter)
    # protocol 2 writes bytes (numpy arrays' data) as _codecs.encode(str,
    # 'latin1'); newer torch allows it too
    allowed.setdefault('_codecs.encode', codecs.encode)
    allowed.setdefault('torch.Size', torch.Size)
    allowed.setdefault('torch.device', torch.device)
    for name in ('_rebuild_tensor', '_rebuild_tensor_v2', '_rebuild_parameter',
                 '_rebuild_parameter_with_state'):
        if hasattr(_utils, name):
            allowed.setdefault(f'torch._utils.{name}', getattr(_utils, name))
    for dtype in (getattr(torch, n) for n in dir(torch)):
        if isinstance(dtype, torch.dtype):
            allowed.setdefault(str(dtype), dtype)
    return {k: v for k, v in allowed.items() if isinstance(k, str)}


def _global_name(obj: Any) -> str:
    """How pickle names a global: ``module.qualname``."""
    return f'{obj.__module__}.{obj.__qualname__}'


def restricted_pickle_module(allowlist: Iterable[Any]) -> types.ModuleType:
    """A module usable as ``torch.load(..., pickle_module=...)`` whose
    unpickler resolves only allowed globals.

    Args:
        allowlist (Iterable): Objects (classes, functions), or
            ``(object, 'module.name')`` pairs for an object pickled under
            another name, as :func:`torch.serialization.add_safe_globals`
            takes them.

    Returns:
        module: With ``Unpickler``, ``load`` and ``loads``.
    """
    allowed = _torch_allowed_globals()
    for entry in allowlist:
        if isinstance(entry, tuple):
            allowed[entry[1]] = entry[0]
        else:
            allowed[_global_name(entry)] = entry

    class Unpickler(pickle.Unpickler):
        """``pickle.Unpickler`` resolving allowed globals only."""

        def find_class(self, module: str, name: str) -> Any:
            # protocol < 3 names Python 2 modules (torch.save's default is
            # 2): map them as pickle's own find_class does
            if (module, name) in _compat_pickle.NAME_MAPPING:
                module, name = _compat_pickle.NAME_MAPPING[(module, name)]
            elif module in _compat_pickle.IMPORT_MAPPING:
                module = _compat_pickle.IMPORT_MAPPING[module]
            key = f'{module}.{name}'
            if key not in allowed:
                raise pickle.UnpicklingError(
                    f'Unsupported global: GLOBAL {key} was not an allowed '
                    'global by default (mmddad.utils.CHECKPOINT_ALLOWLIST)')
            return allowed[key]

    def load(file: Any, **kwargs) -> Any:
        return Unpickler(file, **kwargs).load()

    def loads(data: bytes, **kwargs) -> Any:
        import io
        return load(io.BytesIO(data), **kwargs)

    module = types.ModuleType('mmddad_restricted_pickle')
    module.Unpickler = Unpickler
    module.load = load
    module.loads = loads
    module.__dict__['HIGHEST_PROTOCOL'] = pickle.HIGHEST_PROTOCOL
    return module
