# Copyright (c) mmddad contributors. All rights reserved.
"""When stored synthetic images replace fresh ones, and what is stored."""
from typing import Callable, Dict, Sequence, Tuple

import torch

from mmddad.registry import MODELS
from mmddad.utils import check_number
from .replay_buffer import SyntheticReplayBuffer

#: ``num -> (images, teacher logits)``: fresh synthetic samples.
Generate = Callable[[int], Tuple[torch.Tensor, torch.Tensor]]


@MODELS.register_module()
class SyntheticReplay(SyntheticReplayBuffer):
    """The replay policy of DDAD's embedded configs: a ring buffer of past
    synthetic images with the teacher's logits, and the rules that use it.

    - **Warm-up**: a student batch is generated afresh until the buffer
      holds a batch (or is full, when it is smaller than a batch).
    - **Share**: then ``round(ratio * batch_size)`` samples of each student
      batch are drawn from the buffer (uniformly, with replacement, from the
      loop's seeded generator); the rest is generated.
    - **What is added**: the freshly generated part of every student batch,
      and every generator step's images with the teacher's logits on them
      (:meth:`after_generator_step`).

    A policy with other rules (a reservoir, relabelling by the current
    teacher, replay in generator steps) is a subclass that overrides these
    methods, configured as ``model.replay=dict(type=...)``.

    Args:
        capacity (int): Samples kept.
        image_shape (Sequence[int]): (C, H, W) of one image (given by the
            algorithm).
        logits_shape (Sequence[int]): Shape of one sample's teacher logits
            (given by the algorithm).
        ratio (float): Share of a student batch drawn from the buffer once
            warm, in (0, 1]. Defaults to 1.
        dtype (str): Storage dtype, see :class:`SyntheticReplayBuffer`.
    """

    def __init__(self,
                 capacity: int,
                 image_shape: Sequence[int],
                 logits_shape: Sequence[int],
                 ratio: float = 1.0,
                 dtype: str = 'float16') -> None:
        # (0, 1]; `model.replay=None` for none
        ratio = check_number(ratio, 'model.replay.ratio', above=0, most=1)
        super().__init__(capacity, image_shape, logits_shape, dtype)
        self.ratio = ratio

    def is_warm(self, batch_size: int) -> bool:
        """Whether student batches draw from the buffer yet."""
        return len(self) >= min(batch_size, self.capacity)

    def student_inputs(self, batch_size: int, rng: torch.Generator,
                       generate: Generate
                       ) -> Tuple[torch.Tensor, torch.Tensor]:
        """A student batch: stored samples first, then fresh ones (which are
        stored).

        Args:
            batch_size (int): Samples in the batch.
            rng (torch.Generator): The loop's generator (draws the stored
                samples; ``generate`` draws its latents from it too).
            generate (callable): ``num -> (images, logits)``, fresh samples.

        Returns:
            tuple[Tensor, Tensor]: Images and teacher logits, float32 when
            stored and fresh samples are mixed.
        """
        num_replayed = round(batch_size * self.ratio) \
            if self.is_warm(batch_size) else 0
        parts = []
        if num_replayed:
            parts.append(self.sample(num_replayed, rng))
        if num_replayed < batch_size:
            images, logits = generate(batch_size - num_replayed)
            parts.append((images, logits))
            self.add(images, logits)
        if len(parts) == 1:
            return parts[0]
        return (torch.cat([p[0].float() for p in parts]),
                torch.cat([p[1].float() for p in parts]))

    def after_generator_step(self, images: torch.Tensor,
                             teacher_logits: torch.Tensor) -> None:
        """Store what a generator step made (detached)."""
        self.add(images, teacher_logits)

    def describe(self) -> Dict[str, object]:
        """Capacity, storage dtype, memory and share, for tools."""
        return dict(type=type(self).__name__, capacity=self.capacity,
                    dtype=str(self.images.dtype),
                    mib=self.nbytes / 2**20, ratio=self.ratio)
