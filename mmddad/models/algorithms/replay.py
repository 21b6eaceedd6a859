# Copyright (c) mmddad contributors. All rights reserved.
"""Replay of past synthetic images: the bounded pool that stores them with
the teacher's outputs, or alone when the teacher relabels every student
batch (:class:`SyntheticReplayBuffer`), and the policy that
decides when stored images replace fresh ones (:class:`SyntheticReplay`)."""
from typing import Dict, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.dist import all_gather, get_world_size

from mmddad.registry import MODELS
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
    of all ranks (an ``all_gather`` of the images and, where stored, one of
    the logits per add, in the storage dtype), so the buffer is the same on
    every rank and the checkpoint of rank 0 restores all of them.

    Without ``logits_shape`` the buffer keeps the images alone (the
    distiller's choice when ``model.augment.relabel`` runs the teacher on
    every student batch anyway): the memory of per-pixel logits, several
    times that of the images for segmentation, is not spent.

    Args:
        capacity (int): Samples kept.
        image_shape (Sequence[int]): (C, H, W) of one image.
        logits_shape (Sequence[int], optional): Shape of the teacher's
            logits for one image, e.g. (num_classes,) or (num_classes, H,
            W); None: no logits are stored.
        dtype (str): Storage dtype of images and logits: ``'float16'``
            (default), ``'bfloat16'`` or ``'float32'``. Samples are returned
            in float32.
    """

    def __init__(self,
                 capacity: int,
                 image_shape: Sequence[int],
                 logits_shape: Optional[Sequence[int]],
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
            'logits', None if logits_shape is None else torch.zeros(
                self.capacity, *logits_shape, dtype=storage))
        # samples stored so far (all ranks): the write position and the
        # fill; mirrored in a Python int (no device sync to read it)
        self.register_buffer('num_added', torch.zeros((), dtype=torch.long))
        self._num_added = 0

    def __len__(self) -> int:
        return min(self._num_added, self.capacity)

    def _load_from_state_dict(self, state_dict: dict, prefix: str, *args,
                              **kwargs) -> None:
        """Refuse a stored buffer of another shape, or one without the
        logits this buffer serves (MMEngine's non-strict loading would only
        warn and leave an empty buffer marked full)."""
        if self.logits is None:  # relabelling: stored logits are not read
            state_dict.pop(prefix + 'logits', None)
        elif prefix + 'images' in state_dict \
                and prefix + 'logits' not in state_dict:
            raise ValueError(
                f'the checkpoint\'s replay buffer `{prefix[:-1]}` holds no '
                'teacher logits (its run set `model.augment.relabel=True`), '
                'this model needs them: resume with the same '
                '`model.augment.relabel`')
        for name, key in (('images', 'model.replay.capacity or '
                           'model.generator.out_size/out_channels'),
                          ('logits', 'model.replay.capacity or the '
                           'teacher\'s classes')):
            stored = state_dict.get(prefix + name)
            own = getattr(self, name)
            if stored is not None and own is not None and \
                    stored.shape != own.shape:
                raise ValueError(
                    f'the checkpoint\'s replay buffer `{prefix}{name}` has '
                    f'shape {tuple(stored.shape)}, this model\'s '
                    f'{tuple(own.shape)}: check `{key}` '
                    'against the run that wrote it')
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
        self._num_added = int(self.num_added)

    @property
    def nbytes(self) -> int:
        """Memory held by the stored samples, in bytes."""
        return sum(t.numel() * t.element_size()
                   for t in (self.images, self.logits) if t is not None)

    @torch.no_grad()
    def add(self, images: torch.Tensor, logits: torch.Tensor) -> None:
        """Store a batch (detached), overwriting the oldest samples.

        Args:
            images (Tensor): (N, C, H, W).
            logits (Tensor): (N, *logits_shape), the teacher's on ``images``
                (not kept by a buffer without logits).
        """
        images = images.detach().to(self.images.dtype).contiguous()
        if get_world_size() > 1:
            images = torch.cat(all_gather(images))
        images = images[-self.capacity:]
        start = self._num_added % self.capacity
        index = (torch.arange(len(images), device=self.images.device) +
                 start) % self.capacity
        self.images[index] = images
        if self.logits is not None:
            logits = logits.detach().to(self.logits.dtype).contiguous()
            if get_world_size() > 1:
                logits = torch.cat(all_gather(logits))
            self.logits[index] = logits[-self.capacity:]
        self._num_added += len(images)
        self.num_added.fill_(self._num_added)

    @torch.no_grad()
    def sample(self, num: int, rng: torch.Generator
               ) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
        """Draw ``num`` stored samples uniformly, with replacement.

        Args:
            num (int): How many; at most ``len(self)`` distinct ones exist.
            rng (torch.Generator): On the buffer's device (the loop's
                seeded generator: resumed runs draw the same samples).

        Returns:
            tuple[Tensor, Tensor | None]: Images and logits, float32 (None
            for the logits of a buffer without them).
        """
        if len(self) == 0:
            raise RuntimeError('the replay buffer is empty')
        index = torch.randint(
            len(self), (num, ), generator=rng, device=rng.device).to(
                self.images.device)
        logits = None if self.logits is None else self.logits[index].float()
        return self.images[index].float(), logits


@MODELS.register_module()
class SyntheticReplay(SyntheticReplayBuffer):
    """The replay policy of DDAD's embedded configs: a ring buffer of past
    synthetic images with the teacher's logits, and the rules that use it.

    - **Warm-up**: a student batch is generated afresh until the buffer
      holds a batch (or is full, when it is smaller than a batch).
    - **Share**: then ``round(ratio * batch_size)`` samples of each student
      batch are drawn from the buffer (uniformly, with replacement, from the
      loop's seeded generator; :meth:`draw`); the algorithm generates the
      rest and hands it back (:meth:`complete`).
    - **What is added**: the freshly generated part of every student batch,
      and every generator step's images with the teacher's logits on them
      (:meth:`after_generator_step`; the images alone under
      ``model.augment.relabel``).

    A policy with other rules (a reservoir, relabelling by the current
    teacher, replay in generator steps) is a subclass that overrides these
    methods, configured as ``model.replay=dict(type=...)``.

    Args:
        capacity (int): Samples kept.
        image_shape (Sequence[int]): (C, H, W) of one image (given by the
            algorithm).
        logits_shape (Sequence[int], optional): Shape of one sample's
            teacher logits (given by the algorithm; None under
            ``model.augment.relabel``: no logits stored).
        ratio (float): Share of a student batch drawn from the buffer once
            warm, in (0, 1]. Defaults to 1.
        dtype (str): Storage dtype, see :class:`SyntheticReplayBuffer`.
    """

    def __init__(self,
                 capacity: int,
                 image_shape: Sequence[int],
                 logits_shape: Optional[Sequence[int]],
                 ratio: float = 1.0,
                 dtype: str = 'float16') -> None:
        # (0, 1]; `model.replay=None` for none
        ratio = check_number(ratio, 'model.replay.ratio', above=0, most=1)
        super().__init__(capacity, image_shape, logits_shape, dtype)
        self.ratio = ratio

    def is_warm(self, batch_size: int) -> bool:
        """Whether student batches draw from the buffer yet."""
        return len(self) >= min(batch_size, self.capacity)

    def draw(self, batch_size: int, rng: torch.Generator
             ) -> Optional[Tuple[torch.Tensor, torch.Tensor]]:
        """The stored part of a student batch: ``round(ratio *
        batch_size)`` samples once warm, None before. The algorithm
        generates the rest and hands it to :meth:`complete`.

        Args:
            batch_size (int): Samples in the student batch.
            rng (torch.Generator): The loop's generator.

        Returns:
            tuple[Tensor, Tensor | None] | None: Stored images and teacher
            logits (float32; None without stored logits), or None (nothing
            drawn).
        """
        num = round(batch_size * self.ratio) if self.is_warm(batch_size) \
            else 0
        return self.sample(num, rng) if num else None

    def complete(self, stored: Optional[Tuple[torch.Tensor, torch.Tensor]],
                 fresh: Optional[Tuple[torch.Tensor, torch.Tensor]]
                 ) -> Tuple[torch.Tensor, torch.Tensor]:
        """The student batch: the stored part first, then the fresh one,
        which is stored.

        Args:
            stored (tuple[Tensor, Tensor] | None): From :meth:`draw`.
            fresh (tuple[Tensor, Tensor] | None): Generated images and the
                teacher's logits on them (None when ``stored`` is the whole
                batch).

        Returns:
            tuple[Tensor, Tensor | None]: Images and teacher logits, float32
            when stored and fresh samples are mixed; a mixed batch of a
            buffer without logits has none (the caller relabels it).
        """
        if fresh is not None:
            self.add(*fresh)
        if stored is None or fresh is None:
            return stored if fresh is None else fresh
        images = torch.cat([stored[0], fresh[0].float()])
        if stored[1] is None:
            return images, None
        return images, torch.cat([stored[1], fresh[1].float()])

    def after_generator_step(self, images: torch.Tensor,
                             teacher_logits: torch.Tensor) -> None:
        """Store what a generator step made (detached)."""
        self.add(images, teacher_logits)

    def describe(self) -> Dict[str, object]:
        """Capacity, storage dtype, memory and share, for tools."""
        return dict(type=type(self).__name__, capacity=self.capacity,
                    dtype=str(self.images.dtype),
                    logits=self.logits is not None,
                    mib=self.nbytes / 2**20, ratio=self.ratio)
