# Copyright (c) mmddad contributors. All rights reserved.
"""Read a config named by a local path or by ``package::path``, and what
training a recipe writes."""
import ast
import os.path as osp
from typing import Optional

from mmengine.config import Config
from mmengine.hub import get_config


def load_config(cfg_path: str) -> Config:
    """Load ``cfg_path``: a local file, or ``'mmpretrain::resnet/x.py'``
    (a config shipped inside an installed OpenMMLab package).

    Raises:
        FileNotFoundError: A local file that does not exist.
        SyntaxError: The file (or one it inherits) is not valid Python; the
            message names it and the line (MMEngine names ``<unknown>``).
    """
    if '::' in cfg_path:
        return get_config(cfg_path)
    if not osp.isfile(cfg_path):
        raise FileNotFoundError(f'config file "{cfg_path}" does not exist')
    try:
        return Config.fromfile(cfg_path)
    except SyntaxError as e:
        # MMEngine's error may name no file, or the child of a faulty base
        e = _syntax_error_in(cfg_path, set()) or e
        where = (f'"{e.filename}"' if e.filename not in (None, '<unknown>')
                 else f'"{cfg_path}" (or a file it inherits)')
        raise SyntaxError(f'config {where}, line {e.lineno}: {e.msg}: '
                          f'{(e.text or "").strip()}') from None


def _syntax_error_in(path: str, seen: set) -> Optional[SyntaxError]:
    """The syntax error of a config file or of the first local ``_base_``
    file it inherits that has one (MMEngine's error names neither)."""
    path = osp.abspath(path)
    if path in seen or not osp.isfile(path):
        return None
    seen.add(path)
    with open(path, encoding='utf-8') as f:
        text = f.read()
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError as e:
        return e
    for base in _local_bases(tree):
        error = _syntax_error_in(osp.join(osp.dirname(path), base), seen)
        if error is not None:
            return error
    return None


def _local_bases(tree: ast.Module) -> list:
    """The local files a config's ``_base_ = ...`` names (literal strings
    only; ``package::path`` bases are skipped)."""
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == '_base_'
                for t in node.targets)):
            continue
        try:
            value = ast.literal_eval(node.value)
        except ValueError:
            return []
        bases = [value] if isinstance(value, str) else list(value)
        return [b for b in bases if isinstance(b, str) and '::' not in b]
    return []


def last_checkpoint_of(recipe_cfg: Config) -> Optional[str]:
    """The file name of the last checkpoint a recipe's training writes
    (``epoch_N.pth`` / ``iter_N.pth``, as MMEngine's ``CheckpointHook``
    names it), or None when the config does not tell."""
    train_cfg = recipe_cfg.get('train_cfg') or {}
    hook = (recipe_cfg.get('default_hooks') or {}).get('checkpoint') or {}
    if hook.get('out_dir'):
        return None
    by_epoch = hook.get('by_epoch', True)
    last = train_cfg.get('max_epochs' if by_epoch else 'max_iters')
    if last is None:
        return None
    interval = hook.get('interval', 1)
    if not hook.get('save_last', True) and interval > 0 and last % interval:
        return None
    template = hook.get('filename_tmpl') or (
        'epoch_{}.pth' if by_epoch else 'iter_{}.pth')
    return template.format(last)


def missing_checkpoint_hint(cfg_path: Optional[str], checkpoint: str,
                            alternative: str = '') -> str:
    """How to make a missing checkpoint with the local recipe that names
    its network: the training command that writes that very file, or, if
    the recipe names its last checkpoint otherwise, the file it writes to
    point the key at. Empty for model-zoo configs (``package::path``),
    whose weights come from a URL.

    Args:
        cfg_path (str, optional): The network's recipe (``cfg_path``).
        checkpoint (str): The missing file.
        alternative (str): Another way to make it, offered only when the
            command writes that very file (e.g. ``tools/distill.py
            --train-teacher``, which refuses otherwise).
    """
    if not cfg_path or '::' in cfg_path or not osp.isfile(cfg_path):
        return ''
    recipe = osp.relpath(osp.normpath(cfg_path))
    recipe_cfg = load_config(cfg_path)
    folder = osp.dirname(osp.normpath(checkpoint)) or '.'
    default = recipe_cfg.get('work_dir') or osp.join(
        'work_dirs', osp.splitext(osp.basename(recipe))[0])
    command = f'python tools/train.py {recipe}'
    if osp.abspath(default) != osp.abspath(folder):
        command += f' --work-dir {folder}'
    written = last_checkpoint_of(recipe_cfg)
    if written is None:
        return (f' Train its recipe with `{command}` and point the key at '
                'the last checkpoint that writes, or at an existing one.')
    if written != osp.basename(checkpoint):
        target = osp.join(folder, written)
        return (f' Its recipe "{recipe}" writes "{target}", not this file: '
                f'run `{command}` and point the key at "{target}", or at an '
                'existing checkpoint.')
    return (f' It is written by training its recipe "{recipe}" on real '
            f'data: run `{command}`{alternative}, or point the key at an '
            'existing checkpoint.')
