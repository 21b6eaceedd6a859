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


def test_the_camvid_kd_config_builds_and_steps():
    """The CPU CamVid KD-with-data config: the teacher and student
    recipes it names, per-pixel L1 between their logits on real-looking
    crops (random teacher: its weights are a recipe's output)."""
    import os.path as osp

    from mmengine.config import Config
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample

    from .conftest import CONFIGS
    cfg = Config.fromfile(osp.join(
        CONFIGS, 'teachers',
        'deeplabv3_r18-w16-d8_kd-r18-w32_camvid-180x240.py'))
    assert cfg.train_dataloader.dataset.data_prefix.img_path == \
        'img_dir/train'
    cfg.model.teacher.checkpoint = None
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.train()
    samples = []
    for _ in range(2):
        sample = SegDataSample(metainfo=dict(img_shape=(180, 240),
                                             ori_shape=(180, 240)))
        sample.gt_sem_seg = PixelData(
            data=torch.randint(0, 11, (1, 180, 240)))
        samples.append(sample)
    batch = dict(
        inputs=[torch.randint(0, 256, (3, 180, 240), dtype=torch.uint8)
                for _ in range(2)],
        data_samples=samples)
    optim = OptimWrapper(torch.optim.SGD(model.student.parameters(), lr=0.01))
    loss = model.train_step(batch, optim)['loss_student']
    assert torch.isfinite(loss) and loss > 0
    students = sum(p.numel() for p in model.student.parameters())
    teachers = sum(p.numel() for p in model.teacher.parameters())
    assert 0.2 < students / teachers < 0.3  # a quarter of the teacher
