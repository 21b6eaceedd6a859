# Copyright (c) mmddad contributors. All rights reserved.
"""Random crop with padding and horizontal flip of synthetic images."""
from typing import Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmddad.registry import MODELS
from mmddad.utils import check_number


@MODELS.register_module()
class SyntheticAugmentation(nn.Module):
    """Differentiable random crop (after zero padding) and horizontal flip
    of a batch of synthetic images in the teacher's normalised space, per
    sample, as Fast-Datafree and NAYER augment their synthetic batches.

    In generator steps the generated images are augmented before teacher
    and student see them (gradients flow back through the crop and flip);
    in student steps the student batch (fresh or replayed) is augmented
    before the student sees it, and the teacher's logits follow:

    - ``relabel=False`` (default): the stored logits are reused. For
      per-pixel logits (segmentation) the same crop and flip are applied to
      the logit maps, the padded border taking the nearest logits; image
      logits (classification) are kept, as the label of a crop or mirror
      image. No extra teacher forward.
    - ``relabel=True``: the teacher is run again on the augmented images:
      exact, one teacher forward per student step; the replay then stores
      the images alone (no logits: a bank of segmentation images takes a
      fraction of the memory).

    The generated images live in the normalised space, where zero is the
    dataset's mean colour, not black: ``pad_mode='replicate'`` repeats the
    border pixels instead (a black background stays black). Draws come
    from the loop's seeded generator, so resumed runs repeat them.

    Args:
        padding (int): Pixels of padding on each side before a crop of
            the original size. 0: no crop. Defaults to 4.
        pad_mode (str): ``'constant'`` (zeros of the normalised space, the
            mean colour) or ``'replicate'``. Defaults to ``'constant'``.
        flip_prob (float): Probability of a horizontal flip. Defaults to
            0.5.
        relabel (bool): Run the teacher on augmented student batches.
            Defaults to False.
    """

    def __init__(self,
                 padding: int = 4,
                 flip_prob: float = 0.5,
                 relabel: bool = False,
                 pad_mode: str = 'constant') -> None:
        super().__init__()
        padding = check_number(padding, 'model.augment.padding',
                               integer=True, least=0)
        flip_prob = check_number(flip_prob, 'model.augment.flip_prob',
                                 least=0, most=1)
        if pad_mode not in ('constant', 'replicate'):
            raise ValueError("`model.augment.pad_mode` must be 'constant' or "
                             f"'replicate', got {pad_mode!r}")
        self.padding = padding
        self.pad_mode = pad_mode
        self.flip_prob = flip_prob
        self.relabel = bool(relabel)

    def extra_repr(self) -> str:
        return (f'padding={self.padding}, pad_mode={self.pad_mode}, '
                f'flip_prob={self.flip_prob}, relabel={self.relabel}')

    def draw(self, num: int, rng: torch.Generator
             ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Per-sample offsets (y, x) in [0, 2 * padding] and flip flags."""
        span = 2 * self.padding + 1
        offsets = torch.randint(
            span, (2, num), generator=rng, device=rng.device)
        flips = torch.rand(num, generator=rng,
                           device=rng.device) < self.flip_prob
        return offsets[0], offsets[1], flips

    def transform(self, x: torch.Tensor, dy: torch.Tensor, dx: torch.Tensor,
                  flips: torch.Tensor,
                  mode: Optional[str] = None) -> torch.Tensor:
        """Crop each sample of ``x`` (N, C, H, W) at its offset from the
        padded batch (``mode``: the padding, default ``pad_mode``), then
        flip the chosen ones; differentiable."""
        mode = self.pad_mode if mode is None else mode
        p = self.padding
        if p:
            h, w = x.shape[-2:]
            padded = F.pad(x, (p, p, p, p), mode=mode)
            x = torch.stack([
                padded[i, :, y:y + h, z:z + w]
                for i, (y, z) in enumerate(zip(dy.tolist(), dx.tolist()))
            ])
        flips = flips.to(x.device).view(-1, *([1] * (x.dim() - 1)))
        return torch.where(flips, x.flip(-1), x)

    def forward(self, images: torch.Tensor,
                rng: torch.Generator) -> torch.Tensor:
        """Augment generated images (a generator step)."""
        return self.transform(images, *self.draw(images.size(0), rng))

    def student_batch(self, images: torch.Tensor, logits: torch.Tensor,
                      rng: torch.Generator
                      ) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
        """Augment a student batch and carry the teacher's logits over.

        Args:
            images (Tensor): (N, C, H, W), normalised.
            logits (Tensor): The teacher's logits on ``images``.
            rng (torch.Generator): The loop's generator.

        Returns:
            tuple[Tensor, Tensor | None]: Augmented images and the logits
            that hold for them: the same class logits, per-pixel logits
            moved with the pixels, or None with ``relabel`` (the caller runs
            the teacher on the augmented images).
        """
        dy, dx, flips = self.draw(images.size(0), rng)
        augmented = self.transform(images, dy, dx, flips)
        if self.relabel:
            return augmented, None
        if logits.dim() == 4:  # per-pixel logits follow the geometry
            logits = self.transform(logits, dy, dx, flips, mode='replicate')
        return augmented, logits
