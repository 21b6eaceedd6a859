# Copyright (c) mmddad contributors. All rights reserved.
"""Knowledge distillation on real images: the with-data reference of the
data-free methods ("KD with real data" in the papers' tables)."""
from typing import Dict, Optional, Union

import torch
from mmengine.model import BaseModel
from mmengine.optim import OptimWrapper

from mmddad.registry import MODELS
from ..network_builder import build_network
from ..task_adapters import build_task_adapter
from .student_evaluation import StudentEvaluationMixin


@MODELS.register_module()
class DataKD(StudentEvaluationMixin, BaseModel):
    """Train a student on real training images to match a frozen teacher's
    logits with the discrepancy of the data-free methods (no labels read).

    The same teacher, student and ``d`` as a data-free config, but the
    images come from the real ``train_dataloader`` through the student's data
    preprocessor (teacher and student must normalise alike, as in DDAD). It
    trains with MMEngine's own loops (``IterBasedTrainLoop``), so a config
    sets ``train_dataloader`` to the real training split.

    Args:
        teacher (dict): As in :class:`BaseDataFreeDistiller`. Frozen.
        student (dict): As in :class:`BaseDataFreeDistiller`.
        discrepancy (dict): ``d(S(x), T(x))``. Defaults to ``LogitsL1Loss``.
        task_adapter (dict, optional): How logits are read; None picks the
            adapter of the teacher's task.
        data_preprocessor (dict, optional): Ignored: the student's own
            preprocessor normalises the real images.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 teacher: dict,
                 student: dict,
                 discrepancy: dict = dict(type='LogitsL1Loss'),
                 task_adapter: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor=None, init_cfg=init_cfg)
        self.teacher = build_network(teacher, 'model.teacher', frozen=True)
        self.student = build_network(student, 'model.student')
        self.adapter = build_task_adapter(task_adapter, self.teacher)
        self.discrepancy = MODELS.build(discrepancy)
        self.dataset_meta = getattr(self.teacher, 'dataset_meta', None)

    def train_step(self, data: Union[dict, tuple, list],
                   optim_wrapper: OptimWrapper) -> Dict[str, torch.Tensor]:
        """One step on a batch of real images: ``d(S(x), T(x))``."""
        inputs = self.student.data_preprocessor(data, True)['inputs']
        with optim_wrapper.optim_context(self.student):
            with torch.no_grad():
                teacher_logits = self.adapter.logits(self.teacher, inputs)
            loss = self.discrepancy(
                self.adapter.logits(self.student, inputs), teacher_logits)
        optim_wrapper.update_params(loss)
        return dict(loss_student=loss.detach())
