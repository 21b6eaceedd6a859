# Copyright (c) mmddad contributors. All rights reserved.
"""What a model that trains a student from a frozen teacher shows the
runner: the teacher always in eval mode, the student in every evaluation."""
from typing import Union

import torch
from mmengine.model import BaseModel


class StudentEvaluationMixin:
    """Mixin of a ``BaseModel`` with a frozen ``teacher`` and a trained
    ``student``: training mode never reaches the teacher; ``forward``,
    ``val_step`` and ``test_step`` are the student's (through its own data
    preprocessor), so MMEngine's validation and test loops score the student.
    """

    def train(self, mode: bool = True) -> BaseModel:
        """Set the training mode; the teacher always stays in eval mode."""
        super().train(mode)
        self.teacher.eval()
        return self

    def forward(self,
                inputs: torch.Tensor,
                data_samples: Union[list, None] = None,
                mode: str = 'tensor') -> Union[torch.Tensor, list]:
        """Run the student (``'tensor'`` or ``'predict'`` mode)."""
        if mode == 'loss':
            raise RuntimeError(f'{type(self).__name__} trains through '
                               "train_step(); it has no 'loss' mode")
        return self.student(inputs, data_samples, mode=mode)

    def val_step(self, data: Union[dict, tuple, list]) -> list:
        """Predict with the student, through its own data preprocessor."""
        return self.student.val_step(data)

    def test_step(self, data: Union[dict, tuple, list]) -> list:
        """Predict with the student, through its own data preprocessor."""
        return self.student.test_step(data)
