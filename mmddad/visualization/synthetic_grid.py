# Copyright (c) mmddad contributors. All rights reserved.
"""One picture of what a generator draws and what the teacher sees in it."""
import numpy as np
import torch
import torch.nn as nn
from torchvision.utils import make_grid


def draw_synthetic_grid(model: nn.Module,
                        latents: torch.Tensor,
                        dataset_meta: dict,
                        nrow: int = 8,
                        min_tile_size: int = 64) -> np.ndarray:
    """Generate images from ``latents`` and lay them out in a grid, each
    annotated by the task adapter with the teacher's prediction (a caption
    under it for classifiers, the mask over it for segmentors), with the
    adapter's colour legend under the grid when it has one.

    Args:
        model (nn.Module): A data-free distiller (its public ``sample``).
        latents (Tensor): (N, latent_dim) latents.
        dataset_meta (dict): ``classes`` (and ``palette``) if known.
        nrow (int): Images per row. Defaults to 8.
        min_tile_size (int): Tiles are enlarged (nearest) to at least this
            many pixels on their shorter side. Defaults to 64.

    Returns:
        np.ndarray: The grid, RGB uint8 of shape (H, W, 3).
    """
    batch = model.sample(latents, dataset_meta)
    tiles = batch.draw_predictions(min_size=min_tile_size)
    grid = make_grid(
        torch.from_numpy(np.stack(tiles)).permute(0, 3, 1, 2),
        nrow=nrow,
        padding=2,
        pad_value=255).permute(1, 2, 0).numpy()
    legend = batch.adapter.legend(dataset_meta, batch.teacher_logits.size(1),
                                  grid.shape[1])
    return grid if legend is None else np.concatenate([grid, legend])
