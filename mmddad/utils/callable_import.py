# Copyright (c) mmddad contributors. All rights reserved.
"""Import a callable named as ``'path/to/file.py:name'`` or
``'package.module:name'``: how a config points at a user's own model code."""
import hashlib
import importlib
import importlib.util
import os.path as osp
import sys
from typing import Callable


def import_callable(spec: str, key: str) -> Callable:
    """The callable ``spec`` names.

    Args:
        spec (str): ``'path/to/file.py:name'`` (a Python file, relative to
            the working directory or absolute; imported once per path) or
            ``'package.module:name'`` (an importable module). ``name`` may be
            dotted (``'models:ResNet.small'``).
        key (str): The config key of ``spec``, named in errors.

    Returns:
        Callable: The object ``spec`` names.

    Raises:
        ValueError: ``spec`` is not of either form.
        FileNotFoundError: The file does not exist.
        ImportError: The file or module cannot be imported (its own error
            is quoted).
        AttributeError: It has no such name.
        TypeError: The name is not callable.
    """
    if not isinstance(spec, str) or spec.count(':') != 1 or not all(
            spec.split(':')):
        raise ValueError(
            f'`{key}` must be \'path/to/file.py:factory\' or '
            f'\'package.module:factory\', got {spec!r}')
    where, name = spec.split(':')
    if where.endswith('.py'):
        module = _import_file(where, key)
    else:
        try:
            module = importlib.import_module(where)
        except ImportError as e:
            raise ImportError(f'`{key}`: cannot import module "{where}": '
                              f'{e}') from e
    obj = module
    for part in name.split('.'):
        if not hasattr(obj, part):
            raise AttributeError(
                f'`{key}`: "{where}" has no `{name}`')
        obj = getattr(obj, part)
    if not callable(obj):
        raise TypeError(f'`{key}`: `{name}` of "{where}" is not callable')
    return obj


def _import_file(path: str, key: str):
    """Import a Python file as a module (once per absolute path)."""
    path = osp.abspath(osp.expanduser(path))
    if not osp.isfile(path):
        raise FileNotFoundError(f'`{key}`: file "{path}" does not exist')
    digest = hashlib.sha1(path.encode()).hexdigest()[:12]
    stem = ''.join(c if c.isalnum() else '_'
                   for c in osp.splitext(osp.basename(path))[0])
    name = f'mmddad_user_{stem}_{digest}'
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # importable by name (pickling, DDP)
    try:
        spec.loader.exec_module(module)
    except Exception as e:  # noqa: BLE001 - the user's file failed
        del sys.modules[name]
        raise ImportError(f'`{key}`: importing "{path}" failed: '
                          f'{type(e).__name__}: {e}') from e
    return module
