# Copyright (c) mmddad contributors. All rights reserved.
"""What one synthesis produced: images and the teacher's view of them."""
from typing import Callable, List, Optional

import numpy as np
import torch
import torch.nn as nn

from mmddad.visualization import images_to_uint8
from ..task_adapters import BaseTaskAdapter


class SyntheticBatch:
    """Generated images with the teacher's outputs (and, on demand, the
    student's): the record every consumer of the generator reads.

    The generator-step losses read it; the visualisation hook, the
    synthesis tool and the benchmark get it from
    :meth:`DDAD.synthesize` / :meth:`DDAD.label`. The student's logits and
    the teacher-student discrepancy are computed on first access only, so a
    generator objective without an adversarial term runs no student forward.

    Args:
        images (Tensor): (N, C, H, W) in the teacher's normalised space.
        teacher_logits (Tensor): (N, num_classes, ...).
        teacher_features (Tensor, optional): The teacher's features before
            its head (last backbone/neck output), if they were asked for.
        adapter (BaseTaskAdapter): The task adapter (for drawing/labels).
        data_preprocessor (nn.Module): The teacher's preprocessor (to undo
            the normalisation).
        dataset_meta (dict, optional): ``classes`` (and ``palette``).
        student_logits_fn (callable, optional): images -> student logits.
        discrepancy_fn (callable, optional): (student, teacher logits) -> d.
    """

    def __init__(self,
                 images: torch.Tensor,
                 teacher_logits: torch.Tensor,
                 teacher_features: Optional[torch.Tensor],
                 adapter: BaseTaskAdapter,
                 data_preprocessor: nn.Module,
                 dataset_meta: Optional[dict] = None,
                 student_logits_fn: Optional[Callable] = None,
                 discrepancy_fn: Optional[Callable] = None) -> None:
        self.images = images
        self.teacher_logits = teacher_logits
        self._teacher_features = teacher_features
        self.adapter = adapter
        self.data_preprocessor = data_preprocessor
        self.dataset_meta = dict(dataset_meta or {})
        self._student_logits_fn = student_logits_fn
        self._discrepancy_fn = discrepancy_fn
        self._student_logits: Optional[torch.Tensor] = None
        self._discrepancy: Optional[torch.Tensor] = None
        #: Class targets the algorithm drew for this synthesis (N,), for
        #: terms that pull the images towards them; None if not drawn.
        self.targets: Optional[torch.Tensor] = None

    @property
    def classes(self) -> Optional[List[str]]:
        """The teacher's class names, if known."""
        classes = self.dataset_meta.get('classes')
        return list(classes) if classes else None

    @property
    def teacher_features(self) -> torch.Tensor:
        """The teacher's features before its head."""
        if self._teacher_features is None:
            raise RuntimeError('the teacher features were not recorded: a '
                               'generator loss that reads them must set '
                               '`needs_teacher_features = True`')
        return self._teacher_features

    @property
    def student_logits(self) -> torch.Tensor:
        """The student's logits on the images (computed once, on demand)."""
        if self._student_logits is None:
            if self._student_logits_fn is None:
                raise RuntimeError('this batch has no student')
            self._student_logits = self._student_logits_fn(self.images)
        return self._student_logits

    @property
    def discrepancy(self) -> torch.Tensor:
        """``d(T(x), S(x))``, the algorithm's discrepancy (scalar)."""
        if self._discrepancy is None:
            if self._discrepancy_fn is None:
                raise RuntimeError('this batch has no discrepancy')
            self._discrepancy = self._discrepancy_fn(self.student_logits,
                                                     self.teacher_logits)
        return self._discrepancy

    def to_uint8(self) -> List[np.ndarray]:
        """The images as RGB uint8 arrays (H, W, 3), normalisation undone."""
        return images_to_uint8(self.images, self.data_preprocessor)

    def draw_predictions(self, min_size: int = 64) -> List[np.ndarray]:
        """The images annotated with the teacher's predictions."""
        return self.adapter.draw_predictions(self.to_uint8(),
                                             self.teacher_logits,
                                             self.dataset_meta, min_size)

    def write_annotations(self, out_dir: str, filenames: List[str]) -> None:
        """Write the teacher's labels in the task's dataset format."""
        self.adapter.write_annotations(out_dir, filenames,
                                       self.teacher_logits, self.dataset_meta)
