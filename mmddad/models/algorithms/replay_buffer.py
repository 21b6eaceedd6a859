# Copyright (c) mmddad contributors. All rights reserved.
"""A bounded pool of past synthetic images with the teacher's outputs."""
from typing import Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.dist import all_gather, get_world_size

_DTYPES = ('float32', 'float16', 'bfloat16')


class SyntheticReplayBuffer(nn.Module):
    """Ring buffer of generated images and the teacher's logits on them.

    Student steps draw part of their batch from it, so a replayed sample
    costs no generator or teacher forward (the pool of Fast-Datafree / CMI,
    with the teacher's outputs cached). The steps that generate images
    anyway add them; once full, the oldest samples are overwritten.

    The contents are module buffers: they are saved in checkpoints and
    restored by ``--resume``. Under DDP every rank adds the samples of all
    ranks (one ``all_gather`` per add), so the buffer is the same on every
    rank and the checkpoint of rank 0 restores all of them.

    Args:
        capacity (int): Samples kept.
        image_shape (Sequence[int]): (C, H, W) of one image.
        logits_shape (Sequence[int]): Shape of the teacher's logits for one
            image, e.g. (num_classes,) or (num_classes, H, W).
        dtype (str): Storage dtype of images and logits: ``'float16'``
            (default), ``'bfloat16'`` or ``'float32'``. Samples are returned
            in float32.
    """

    def __init__(self,
                 capacity: int,
                 image_shape: Sequence[int],
                 logits_shape: Sequence[int],
                 dtype: str = 'float16') -> None:
        super().__init__()
        if int(capacity) < 1:
            raise ValueError(
                f'`model.replay.capacity` must be >= 1, got {capacity}')
        if dtype not in _DTYPES:
            raise ValueError(f'`model.replay.dtype` must be one of {_DTYPES}, '
                             f'got {dtype!r}')
        self.capacity = int(capacity)
        storage = getattr(torch, dtype)
        self.register_buffer(
            'images', torch.zeros(self.capacity, *image_shape, dtype=storage))
        self.register_buffer(
            'logits', torch.zeros(self.capacity, *logits_shape,
                                  dtype=storage))
        # samples added so far (all ranks): the write position and the fill
        self.register_buffer('num_added', torch.zeros((), dtype=torch.long))

    def __len__(self) -> int:
        return min(int(self.num_added), self.capacity)

    @property
    def nbytes(self) -> int:
        """Memory held by the stored samples, in bytes."""
        return sum(t.numel() * t.element_size()
                   for t in (self.images, self.logits))

    @torch.no_grad()
    def add(self, images: torch.Tensor, logits: torch.Tensor) -> None:
        """Store a batch (detached), overwriting the oldest samples.

        Args:
            images (Tensor): (N, C, H, W).
            logits (Tensor): (N, *logits_shape), the teacher's on ``images``.
        """
        if get_world_size() > 1:
            images = torch.cat(all_gather(images.detach().contiguous()))
            logits = torch.cat(all_gather(logits.detach().contiguous()))
        images, logits = images[-self.capacity:], logits[-self.capacity:]
        start = int(self.num_added) % self.capacity
        index = (torch.arange(len(images), device=self.images.device) +
                 start) % self.capacity
        self.images[index] = images.detach().to(self.images.dtype)
        self.logits[index] = logits.detach().to(self.logits.dtype)
        self.num_added += len(images)

    @torch.no_grad()
    def sample(self, num: int,
               rng: torch.Generator) -> Tuple[torch.Tensor, torch.Tensor]:
        """Draw ``num`` stored samples uniformly, with replacement.

        Args:
            num (int): How many; at most ``len(self)`` distinct ones exist.
            rng (torch.Generator): On the buffer's device (the loop's
                seeded generator: resumed runs draw the same samples).

        Returns:
            tuple[Tensor, Tensor]: Images and logits, float32.
        """
        if len(self) == 0:
            raise RuntimeError('the replay buffer is empty')
        index = torch.randint(
            len(self), (num, ), generator=rng, device=rng.device).to(
                self.images.device)
        return self.images[index].float(), self.logits[index].float()
