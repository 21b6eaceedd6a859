# Copyright (c) mmddad contributors. All rights reserved.
"""What the generator of a run makes: a synthetic dataset labelled by the
teacher (``tools/synthesize.py``), a grid of images with the teacher's
predictions (``tools/draw_synthetic.py``), and how hard each generator
term pulls on the images (``tools/generator_balance.py``)."""
import os.path as osp
from typing import Dict, List, Optional, Tuple

import cv2
import mmcv
import numpy as np
import torch
from mmengine.config import Config
from mmengine.utils import ProgressBar

from mmddad.datasets import val_dataset_meta
from mmddad.models import generator_term_gradients
from mmddad.utils import (IndexedOutputFolder, atomic_write, check_new_file,
                          check_not_input)
from mmddad.visualization import draw_synthetic_grid
from .inference import init_distiller

#: The index of what ``synthesize_dataset`` wrote into a folder:
#: ``force`` replaces those files and never touches anything else.
SYNTHESIS_INDEX = 'synthesize_index.json'


def synthesize_dataset(cfg: Config,
                       checkpoint: str,
                       out: str,
                       num: int,
                       batch_size: int = 64,
                       seed: int = 0,
                       device: str = 'cpu',
                       force: int = 0) -> int:
    """Write ``num`` PNG images of the run's generator into ``out/images``
    and the teacher's labels of them, as a dataset reads them back from
    disk, in the task's dataset format (classifiers: ``meta/train.txt`` of
    MMPretrain's ``CustomDataset`` and ``classes.txt``).

    The folder follows :class:`~mmddad.utils.IndexedOutputFolder`
    (``synthesize_index.json``; other files need ``force=2``), checked
    before the model is built.

    Args:
        cfg (Config): The distillation config.
        checkpoint (str): A checkpoint of the run.
        out (str): The output folder.
        num (int): Number of images.
        batch_size (int): Images generated at once. Defaults to 64.
        seed (int): Seed of the latents. Defaults to 0.
        device (str): Where the networks run. Defaults to ``'cpu'``.
        force (int): 1: replace an earlier output of this function in
            ``out``; 2: also write beside other files (kept).

    Returns:
        int: The number of images written.
    """
    folder = IndexedOutputFolder(
        out, '--out', SYNTHESIS_INDEX, 'synthesize', force,
        what='an earlier synthetic dataset',
        inputs={'the config': cfg.filename, 'the checkpoint': checkpoint},
        exclusive=True)
    names = [osp.join('images', f'{i:06d}.png') for i in range(num)]
    folder.check(names)  # before anything is loaded or written
    model = init_distiller(cfg, checkpoint, device)
    meta = val_dataset_meta(cfg)
    with folder.writing(dict(config=cfg.filename, checkpoint=checkpoint,
                             seed=seed), names) as tmp:
        rng = torch.Generator(device=device).manual_seed(seed)
        progress = ProgressBar(num)
        for start in range(0, num, batch_size):
            batch = model.sample(
                model.sample_latents(min(batch_size, num - start), rng),
                meta)
            channels = batch.images.size(1)
            batch_names = names[start:start + len(batch.images)]
            loaded = []
            for name, tile in zip(batch_names, batch.to_uint8()):
                # what MMCV's loader returns for the PNG of an RGB tile
                img = tile[..., 0] if channels == 1 else mmcv.rgb2bgr(tile)
                mmcv.imwrite(img, osp.join(tmp, name))
                loaded.append(torch.from_numpy(
                    img[None] if img.ndim == 2 else img.transpose(2, 0, 1)))
                progress.update()
            # labels of the images as a dataset reads them back from disk
            model.labelled(loaded, meta).write_annotations(tmp, batch_names)
    return num


def draw_synthetic(cfg: Config,
                   checkpoint: Optional[str],
                   num: int = 32,
                   nrow: int = 8,
                   min_size: int = 64,
                   seed: int = 2024,
                   out: Optional[str] = None,
                   force: bool = False) -> np.ndarray:
    """A grid of what the run's generator makes, with the teacher's
    predictions (class names under the images for classifiers; masks over
    them and a colour legend for segmentors): the picture of the training
    run's ``SyntheticImageVisualizationHook``.

    Args:
        cfg (Config): The distillation config.
        checkpoint (str, optional): A checkpoint of the run (None: as
            initialised).
        num (int): Number of images. Defaults to 32.
        nrow (int): Images per row. Defaults to 8.
        min_size (int): Images are enlarged to at least this side.
        seed (int): Seed of the latents (2024: the training run's grids).
        out (str, optional): A ``.png`` file to write the grid to (checked
            before the model is built: not an input, not replaced unless
            ``force``).
        force (bool): Replace ``out`` if it exists.

    Returns:
        np.ndarray: The grid, RGB uint8 (H, W, 3).
    """
    if out is not None:
        if not out.lower().endswith('.png'):
            raise ValueError(f'--out "{out}": the grid is a .png file')
        check_not_input(out, '--out', {'the config': cfg.filename,
                                       'the checkpoint': checkpoint})
        check_new_file(out, '--out', force)
    model = init_distiller(cfg, checkpoint)
    rng = torch.Generator().manual_seed(seed)
    latents = torch.randn(num, model.latent_dim, generator=rng)
    grid = draw_synthetic_grid(model, latents, val_dataset_meta(cfg), nrow,
                               min_size)
    if out is not None:
        _, png = cv2.imencode('.png', mmcv.rgb2bgr(grid))
        atomic_write(png.tobytes(), out)
    return grid


def generator_balance(cfg: Config,
                      checkpoint: Optional[str] = None,
                      batches: int = 4,
                      seed: int = 0,
                      device: str = 'cpu'
                      ) -> Dict[str, Tuple[float, float]]:
    """Each generator term's weighted value and the norm of its gradient
    with respect to the generated images, averaged over ``batches`` batches
    of the config's batch size: which term drives the generator.

    Args:
        cfg (Config): The distillation config.
        checkpoint (str, optional): A checkpoint of the run; None: the
            generator and student as initialised (seeded by ``seed``).
        batches (int): Batches to average over. Defaults to 4.
        seed (int): Seed of the initialisation and the latents.
        device (str): Where the networks run. Defaults to ``'cpu'``.

    Returns:
        dict[str, tuple[float, float]]: ``term -> (value, gradient norm)``,
        in the order of ``model.generator_losses``.
    """
    model = init_distiller(cfg, checkpoint, device, seed=seed).train()
    batch_size = cfg.train_dataloader.batch_size
    rng = torch.Generator(device=device).manual_seed(seed)
    runs: List[Dict[str, Tuple[float, float]]] = [
        generator_term_gradients(model, model.sample_latents(batch_size, rng))
        for _ in range(batches)
    ]
    return {
        name: tuple(sum(r[name][i] for r in runs) / batches for i in (0, 1))
        for name in runs[0]
    }


def format_generator_balance(stats: Dict[str, Tuple[float, float]]) -> str:
    """The per-term table of :func:`generator_balance`, each norm also
    relative to the first term's."""
    reference = next(iter(stats.values()))[1]
    lines = [f'{"term":<16}{"value":>12}{"|grad|":>12}{"x first":>10}']
    for name, (value, norm) in stats.items():
        ratio = norm / reference if reference > 0 else float('nan')
        lines.append(f'{name:<16}{value:>12.4g}{norm:>12.4g}{ratio:>10.3g}')
    return '\n'.join(lines)

