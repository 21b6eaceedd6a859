# Copyright (c) mmddad contributors. All rights reserved.
"""Calibration images for INT8 quantization, as loaded pixels.

``synthetic`` (the default) draws them from the run's generator through the
algorithm's public synthesis call: no real image is read. ``train`` reads
real training images of the teacher's recipe (the reference ceiling, for
comparison only) and ``noise`` uses Gaussian noise in the teacher's
normalised space (the floor).
"""
import copy
from typing import Iterator, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.registry import DATASETS, DefaultScope

from mmddad.utils import load_config
from mmddad.visualization import to_loaded_pixels

#: Where calibration images can come from.
CALIBRATION_SOURCES = ('synthetic', 'train', 'noise')


def calibration_batches(source: str, model: nn.Module, cfg, num: int,
                        batch_size: int, shape: Tuple[int, int, int],
                        seed: int = 0,
                        train_config: Optional[str] = None
                        ) -> Iterator[np.ndarray]:
    """``num`` calibration images in batches, as the deployed model takes
    them: float32 (N, C, H, W) loaded pixels of ``size``.

    Args:
        source (str): One of :data:`CALIBRATION_SOURCES`.
        model (nn.Module): The distillation model (generator, teacher).
        cfg (Config): The distillation config (its teacher recipe, for
            ``train``; its validation pipeline).
        num (int): Number of images.
        batch_size (int): Images per batch.
        shape (tuple[int, int, int]): (C, H, W) of the deployed model's
            input; generated images of another size are resized to it.
        seed (int): Seed of latents, noise and the choice of images.
        train_config (str, optional): For ``train``: a config whose
            ``train_dataloader.dataset`` holds the real training images;
            None: the teacher's recipe (``model.teacher.cfg_path``).

    Yields:
        np.ndarray: The batches, one at a time (a large calibration set is
        never held in memory at once).
    """
    if source not in CALIBRATION_SOURCES:
        raise ValueError(f'--calib-source must be one of '
                         f'{CALIBRATION_SOURCES}, got {source!r}')
    rng = torch.Generator(device=model.device).manual_seed(seed)
    pre = model.teacher.data_preprocessor
    size = tuple(shape[1:])
    if source == 'train':
        # a training set smaller than ``num`` (CamVid: 367) gives them all
        images = training_images(cfg, num, seed, train_config)
        for start in range(0, len(images), batch_size):
            batch = torch.stack(images[start:start + batch_size]).float()
            yield _resized(batch, size).numpy()
        return
    for start in range(0, num, batch_size):
        n = min(batch_size, num - start)
        if source == 'synthetic':
            images = model.sample(model.sample_latents(n, rng)).images
        else:
            images = torch.randn(n, *shape, generator=rng,
                                 device=model.device)
        yield to_loaded_pixels(_resized(images, size), pre).numpy()


def _resized(images: torch.Tensor, size: Sequence[int]) -> torch.Tensor:
    if tuple(images.shape[-2:]) == tuple(size):
        return images
    return F.interpolate(images.float(), size=tuple(size), mode='bilinear',
                         align_corners=False)


def training_images(cfg, num: int, seed: int,
                    train_config: Optional[str] = None) -> List[torch.Tensor]:
    """``num`` images of the training split of ``train_config`` or of the
    teacher's recipe (chosen at random with ``seed``; all of them if it
    holds fewer), through the distillation config's validation pipeline:
    uint8 (C, H, W) each."""
    recipe_path = train_config or cfg.model.teacher.get('cfg_path')
    if recipe_path is None:
        raise ValueError('--calib-source train reads the training set of the '
                         'teacher\'s recipe, but `model.teacher` has no '
                         '`cfg_path`: name a config whose train_dataloader '
                         'holds the training images with '
                         '--calib-train-config CONFIG')
    recipe = load_config(recipe_path)
    dataset_cfg = copy.deepcopy(
        (recipe.get('train_dataloader') or {}).get('dataset'))
    if not dataset_cfg:
        raise ValueError(f'--calib-source train: the teacher recipe '
                         f'"{recipe_path}" has no `train_dataloader.dataset`')
    dataset_cfg['pipeline'] = cfg.val_dataloader.dataset.pipeline
    with DefaultScope.overwrite_default_scope(
            recipe.get('default_scope', 'mmddad')):
        dataset = DATASETS.build(dataset_cfg)
    order = torch.randperm(
        len(dataset), generator=torch.Generator().manual_seed(seed))
    return [dataset[int(i)]['inputs'] for i in order[:num]]
