# Copyright (c) mmddad contributors. All rights reserved.
"""What one synthesis produced: images and the teacher's view of them."""
from typing import List, Optional

import numpy as np
import torch
import torch.nn as nn

from mmddad.visualization import images_to_uint8
from ..task_adapters import BaseTaskAdapter


class SyntheticBatch:
    """Generated images with the teacher's outputs (and, where the terms
    read them, the student's): the record every consumer of the generator
    reads. A plain record: the algorithm computes everything in it.

    The terms of both objectives read it; the visualisation hook, the
    synthesis tool and the deployment calibration get it from
    :meth:`BaseDataFreeDistiller.sample`. A student step's batch always has
    the student's logits and the discrepancy; a generator step's only when
    one of its terms sets ``needs_student`` (so an objective without an
    adversarial term runs no student forward).

    Args:
        images (Tensor): (N, C, H, W) in the teacher's normalised space.
        teacher_logits (Tensor): (N, num_classes, ...).
        teacher_features (Tensor, optional): The teacher's features before
            its head (last backbone/neck output), if they were asked for.
        adapter (BaseTaskAdapter): The task adapter (for drawing/labels).
        data_preprocessor (nn.Module): The teacher's preprocessor (to undo
            the normalisation).
        dataset_meta (dict, optional): ``classes`` (and ``palette``).
        student_logits (Tensor, optional): The student's logits on
            ``images``.
        discrepancy (Tensor, optional): ``d(T(x), S(x))``, the algorithm's
            discrepancy (scalar).
    """

    def __init__(self,
                 images: torch.Tensor,
                 teacher_logits: torch.Tensor,
                 teacher_features: Optional[torch.Tensor],
                 adapter: BaseTaskAdapter,
                 data_preprocessor: nn.Module,
                 dataset_meta: Optional[dict] = None,
                 student_logits: Optional[torch.Tensor] = None,
                 discrepancy: Optional[torch.Tensor] = None) -> None:
        self.images = images
        self.teacher_logits = teacher_logits
        self.adapter = adapter
        self.data_preprocessor = data_preprocessor
        self.dataset_meta = dict(dataset_meta or {})
        # set only when computed: reading a missing one is a named error
        # (__getattr__), and reading a present one calls nothing
        for name, value in (('teacher_features', teacher_features),
                            ('student_logits', student_logits),
                            ('discrepancy', discrepancy)):
            if value is not None:
                setattr(self, name, value)
        #: Class targets the algorithm drew for this synthesis (N,), for
        #: terms that pull the images towards them; None if not drawn.
        self.targets: Optional[torch.Tensor] = None

    def __getattr__(self, name: str):
        """Only reached for an attribute that was not set: the optional
        outputs the algorithm did not compute, named with the flag that
        asks for them."""
        flag = _FLAGS.get(name)
        if flag is None:
            raise AttributeError(
                f'{type(self).__name__!r} object has no attribute {name!r}')
        raise RuntimeError(f'this batch has no {name.replace("_", " ")}: a '
                           f'term that reads it must set `{flag} = True`')

    @property
    def classes(self) -> Optional[List[str]]:
        """The teacher's class names, if known."""
        classes = self.dataset_meta.get('classes')
        return list(classes) if classes else None

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


#: The optional outputs of a batch and the term flag that asks for them.
_FLAGS = dict(
    teacher_features='needs_teacher_features',
    student_logits='needs_student',
    discrepancy='needs_student')
