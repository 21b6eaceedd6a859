# Copyright (c) mmddad contributors. All rights reserved.
"""A bounded pool of past synthetic images with the teacher's outputs."""
from typing import Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.dist import all_gather, get_world_size

from mmddad.utils import check_number

_DTYPES = ('float32', 'float16', 'bfloat16')


class SyntheticReplayBuffer(nn.Module):
    """Ring buffer of generated images and the teacher's logits on them.

    Student steps draw part of their batch from it, so a replayed sample
    costs no generator or teacher forward (the pool of Fast-Datafree / CMI,
    with the teacher's outputs cached). The steps that generate images
    anyway add them; once full, the oldest samples are overwritten.

    The contents are module buffers: they are saved in checkpoints and
    restored by ``--resume`` (a checkpoint whose buffer has another shape is
    refused, naming the config keys). Under DDP every rank adds the samples
    of all ranks (an ``all_gather`` of the images and one of the logits per
    add, in the storage dtype), so the buffer is the same on every rank and
    the checkpoint of rank 0 restores all of them.

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
        capacity = check_number(capacity, 'model.replay.capacity',
                                integer=True, least=1)
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
        # samples stored so far (all ranks): the write position and the
        # fill; mirrored in a Python int (no device sync to read it)
        self.register_buffer('num_added', torch.zeros((), dtype=torch.long))
        self._num_added = 0

    def __len__(self) -> int:
        return min(self._num_added, self.capacity)

    def _load_from_state_dict(self, state_dict: dict, prefix: str, *args,
                              **kwargs) -> None:
        """Refuse a stored buffer of another shape (MMEngine's non-strict
        loading would only warn and leave an empty buffer marked full)."""
        for name, key in (('images', 'model.replay.capacity or '
                           'model.generator.out_size/out_channels'),
                          ('logits', 'model.replay.capacity or the '
                           'teacher\'s classes')):
            stored = state_dict.get(prefix + name)
            if stored is not None and stored.shape != getattr(self,
                                                               name).shape:
                raise ValueError(
                    f'the checkpoint\'s replay buffer `{prefix}{name}` has '
                    f'shape {tuple(stored.shape)}, this model\'s '
                    f'{tuple(getattr(self, name).shape)}: check `{key}` '
                    'against the run that wrote it')
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
        self._num_added = int(self.num_added)

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
        images = images.detach().to(self.images.dtype).contiguous()
        logits = logits.detach().to(self.logits.dtype).contiguous()
        if get_world_size() > 1:
            images = torch.cat(all_gather(images))
            logits = torch.cat(all_gather(logits))
        images, logits = images[-self.capacity:], logits[-self.capacity:]
        start = self._num_added % self.capacity
        index = (torch.arange(len(images), device=self.images.device) +
                 start) % self.capacity
        self.images[index] = images
        self.logits[index] = logits
        self._num_added += len(images)
        self.num_added.fill_(self._num_added)

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
