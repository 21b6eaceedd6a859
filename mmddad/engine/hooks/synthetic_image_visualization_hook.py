# Copyright (c) mmddad contributors. All rights reserved.
"""Show what the generator makes, with what the teacher sees in it."""
import os.path as osp
from typing import Optional

import mmcv
import numpy as np
import torch
from mmengine.hooks import Hook

from mmddad.datasets import val_dataset_meta
from mmddad.models.wrappers import unwrap_model
from mmddad.registry import HOOKS
from mmddad.visualization import draw_synthetic_grid


@HOOKS.register_module()
class SyntheticImageVisualizationHook(Hook):
    """Every ``interval`` iterations, draw a grid of generated images
    annotated with the teacher's predictions.

    The same latent batch is used every time, so grids are comparable across
    iterations. Images are denormalised with the teacher's mean/std and put
    in RGB order; the task adapter draws the teacher's predictions (class
    names under the images for classifiers; masks over them, with a colour
    legend under the grid, for segmentors). The grid is sent to every
    backend of the runner's visualizer
    (``vis_data/vis_image/synthetic_<iter>.png`` with the default local
    backend, TensorBoard when configured) and written to
    ``<work_dir>/synthetic/iter_<iter>.png``.

    Args:
        interval (int): Iterations between grids. Defaults to 100.
        num_images (int): Images in the grid. Defaults to 32.
        nrow (int): Images per row. Defaults to 8.
        min_tile_size (int): Tiles are enlarged (nearest) to at least this
            many pixels on their shorter side, so labels stay readable.
            Defaults to 64.
        seed (int): Seed of the fixed latent batch. Defaults to 2024.
        out_dir (str): Sub-folder of the work dir for the PNG files.
    """

    priority = 'LOW'

    def __init__(self,
                 interval: int = 100,
                 num_images: int = 32,
                 nrow: int = 8,
                 min_tile_size: int = 64,
                 seed: int = 2024,
                 out_dir: str = 'synthetic') -> None:
        if interval < 1 or num_images < 1 or nrow < 1:
            raise ValueError('SyntheticImageVisualizationHook: `interval`, '
                             '`num_images` and `nrow` must be >= 1')
        self.interval = interval
        self.num_images = num_images
        self.nrow = nrow
        self.min_tile_size = min_tile_size
        self.seed = seed
        self.out_dir = out_dir
        self._latents: Optional[torch.Tensor] = None

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        """Draw at every ``interval`` and at the last iteration."""
        if self.every_n_train_iters(runner, self.interval) or \
                self.is_last_train_iter(runner):
            self.draw(runner, runner.iter + 1)

    def draw(self, runner, step: int) -> np.ndarray:
        """Render, save and publish the grid of iteration ``step``.

        Returns:
            np.ndarray: The grid, RGB uint8 of shape (H, W, 3).
        """
        model = unwrap_model(runner.model)
        if self._latents is None:
            rng = torch.Generator().manual_seed(self.seed)
            self._latents = torch.randn(
                self.num_images, model.latent_dim, generator=rng)
        grid = draw_synthetic_grid(model, self._latents,
                                   val_dataset_meta(runner.cfg), self.nrow,
                                   self.min_tile_size)
        runner.visualizer.add_image('synthetic', grid, step=step)
        mmcv.imwrite(
            mmcv.rgb2bgr(grid),
            osp.join(runner.work_dir, self.out_dir, f'iter_{step}.png'))
        return grid
