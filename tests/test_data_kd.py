# Copyright (c) mmddad contributors. All rights reserved.
"""DataKD: the with-data reference (KD on real training images)."""
import copy

import torch
from mmengine.optim import OptimWrapper

from mmddad.datasets import MNIST5k
from mmddad.registry import MODELS
from .conftest import STUDENT_RECIPE, TEACHER_RECIPE


def test_kd_on_real_images_moves_the_student_towards_the_teacher(
        teacher_checkpoint):
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='DataKD',
        teacher=dict(cfg_path=TEACHER_RECIPE, checkpoint=teacher_checkpoint),
        student=dict(cfg_path=STUDENT_RECIPE)))
    model.init_weights()
    model.train()
    assert not model.teacher.training
    data = MNIST5k(split='train', pipeline=[dict(type='mmpretrain.PackInputs')])
    samples = [data[i] for i in range(16)]
    batch = dict(inputs=[s['inputs'] for s in samples],
                 data_samples=[s['data_samples'] for s in samples])
    optim = OptimWrapper(torch.optim.SGD(model.student.parameters(), lr=0.05))
    teacher = copy.deepcopy(model.teacher.state_dict())
    first = model.train_step(copy.deepcopy(batch), optim)['loss_student']
    for _ in range(4):
        last = model.train_step(copy.deepcopy(batch), optim)['loss_student']
    assert last < first
    assert all(torch.equal(v, teacher[k])
               for k, v in model.teacher.state_dict().items())
    # evaluation is the student's
    out = model.val_step(copy.deepcopy(batch))
    assert len(out) == 16 and 'pred_label' in out[0]
