# Copyright (c) mmddad contributors. All rights reserved.
"""Build a teacher or student from its own OpenMMLab config."""
import copy
import os.path as osp
from typing import Optional, Tuple

import torch.nn as nn
from mmengine.config import Config, ConfigDict
from mmengine.model import revert_sync_batchnorm
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import DefaultScope

from mmddad.utils import load_config, load_weights, missing_checkpoint_hint


#: Keys of a network spec that say how to load its weights, not how to
#: build it.
CHECKPOINT_KEYS = ('checkpoint', 'partial_load', 'checkpoint_key',
                   'checkpoint_prefix')


def _resolve_model_cfg(spec: dict, key: str) -> Tuple[ConfigDict,
                                                       Optional[str]]:
    """The model config and the scope it must be built in."""
    spec = copy.deepcopy(dict(spec))
    for name in CHECKPOINT_KEYS:
        spec.pop(name, None)
    cfg_path = spec.pop('cfg_path', None)
    if cfg_path is None:
        if 'type' not in spec:
            raise ValueError(
                f'`{key}` must have `cfg_path` (an OpenMMLab config such as '
                "'mmpretrain::resnet/resnet18_8xb16_cifar10.py' or a local "
                'file) or a model config with `type`')
        # mmddad's registry reaches the others' by 'mmpretrain.X' / 'mmseg.X'
        return ConfigDict(spec), spec.get('_scope_', 'mmddad')
    if '::' not in cfg_path and not osp.isfile(cfg_path):
        raise FileNotFoundError(
            f'`{key}.cfg_path`: config file "{cfg_path}" does not exist')
    try:
        cfg = load_config(cfg_path)
    except Exception as e:  # noqa: BLE001 - say which key pointed at it
        raise ValueError(f'`{key}.cfg_path`: could not read config '
                         f'"{cfg_path}": {e}') from e
    if 'model' not in cfg:
        raise KeyError(f'`{key}.cfg_path`: "{cfg_path}" has no `model`')
    model_cfg = cfg.model
    if 'data_preprocessor' not in model_cfg and cfg.get('data_preprocessor'):
        model_cfg.data_preprocessor = cfg.data_preprocessor
    # remaining keys of the spec override the config, recursively
    model_cfg = Config._merge_a_into_b(spec, model_cfg)
    return model_cfg, model_cfg.get('_scope_', cfg.get('default_scope'))


#: Transforms that fix the size of a network's input, and their size key.
_SIZE_TRANSFORMS = dict(
    CenterCrop='crop_size', RandomCrop='crop_size', RandomResizedCrop='scale')


def network_input_size(spec: dict) -> Optional[Tuple[int, int]]:
    """The (H, W) a network's own config feeds it, if it says: the first
    crop of its test pipeline, else of its training pipeline.

    Args:
        spec (dict): A network spec as in :func:`build_network`; only
            ``cfg_path`` specs have pipelines.

    Returns:
        tuple[int, int] | None: The input size, or None if unknown.
    """
    cfg_path = spec.get('cfg_path')
    if cfg_path is None:
        return None
    cfg = load_config(cfg_path)
    for split in ('test_dataloader', 'val_dataloader', 'train_dataloader'):
        dataset = (cfg.get(split) or {}).get('dataset') or {}
        for transform in dataset.get('pipeline') or []:
            name = str(transform.get('type', ''))
            key = _SIZE_TRANSFORMS.get(name.split('.')[-1])
            if key is None or key not in transform:
                continue
            size = transform[key]
            if isinstance(size, int):
                return (size, size)
            first, second = (int(s) for s in size)
            # MMSeg's sizes are (h, w), MMPretrain's (w, h)
            seg = name.startswith('mmseg.') or (
                '.' not in name and cfg.get('default_scope') == 'mmseg')
            return (first, second) if seg else (second, first)
    return None


def _recipe_hint(spec: dict, key: str) -> str:
    """How to make a missing checkpoint with the local recipe that names the
    network (empty for model-zoo configs, whose weights come from a URL)."""
    alternative = ''
    if key == 'model.teacher':  # tools/distill.py trains only a teacher
        alternative = (', or add --train-teacher to `python tools/'
                       'distill.py` with the distillation config')
    return missing_checkpoint_hint(spec.get('cfg_path'), spec['checkpoint'],
                                   alternative)


def build_network(spec: dict, key: str, frozen: bool = False) -> nn.Module:
    """Build a network from ``spec`` and load its checkpoint.

    Args:
        spec (dict): Either ``cfg_path`` (an OpenMMLab config path such as
            ``'mmpretrain::resnet/resnet18_8xb16_cifar10.py'`` or a local
            file; its ``model`` is built) or a model config with ``type``.
            ``checkpoint`` (local path or URL) is optional and must fit the
            model exactly unless ``partial_load=True``; ``checkpoint_key``
            (dotted path of the weights in the file) and
            ``checkpoint_prefix`` (a prefix of every weight key, removed)
            read files that store them otherwise; any other key
            overrides the model config (e.g. ``head=dict(num_classes=10)``).
        key (str): The config key of ``spec``, used in error messages.
        frozen (bool): Put the network in eval mode with
            ``requires_grad=False`` everywhere, SyncBN layers reverted to
            BN.

    Returns:
        nn.Module: The network.
    """
    model_cfg, scope = _resolve_model_cfg(spec, key)
    try:
        with DefaultScope.overwrite_default_scope(scope):
            model = MMENGINE_MODELS.build(model_cfg)
    except (FileNotFoundError, ImportError, AttributeError, TypeError,
            ValueError) as e:
        # a model built from the user's code (TorchClassifier's factory)
        raise type(e)(f'`{key}`: {e}') from e
    checkpoint = spec.get('checkpoint')
    if checkpoint is not None:
        is_url = str(checkpoint).startswith(('http://', 'https://'))
        if not is_url and not osp.isfile(checkpoint):
            raise FileNotFoundError(
                f'`{key}.checkpoint`: file "{checkpoint}" does not exist.'
                + _recipe_hint(spec, key))
        ckpt = load_weights(
            model, checkpoint, f'`{key}.checkpoint` "{checkpoint}"',
            f'the model of `{key}`', strict=not spec.get('partial_load'),
            opt_out=f'`{key}.partial_load=True`',
            key=spec.get('checkpoint_key'),
            prefix=spec.get('checkpoint_prefix'))
        meta = ckpt.get('meta', {}) if isinstance(ckpt, dict) else {}
        if meta.get('dataset_meta'):
            model.dataset_meta = meta['dataset_meta']
        model._is_init = True  # never re-initialise loaded weights
    if frozen:
        # a frozen network never syncs statistics: plain BN now, so that the
        # runner's own SyncBN -> BN swap (single process) cannot replace the
        # layers that the BN-statistics loss hooks
        model = revert_sync_batchnorm(model)
        model.eval()
        model.requires_grad_(False)
    return model
