# Copyright (c) mmddad contributors. All rights reserved.
"""Every config family runs real iterations; no training data is read."""
import glob
import os.path as osp
from types import SimpleNamespace

import mmcv
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from mmddad.datasets import MNIST5k
from mmddad.models import generator_term_gradients
from mmddad.registry import MODELS
from .conftest import CONFIGS, EMBEDDED_DDAD, one_step_runner

EMBEDDED = sorted(
    glob.glob(osp.join(CONFIGS, '*', '*_resnet18-w16_resnet18-w8_mnist5k.py')))
DATA_FREE = sorted(
    p for family in ('ddad', 'dfad', 'deepinv', 'dafl', 'noise_kd')
    for p in glob.glob(osp.join(CONFIGS, family, '*.py')))


def test_every_family_has_an_embedded_config():
    families = {osp.basename(osp.dirname(p)) for p in EMBEDDED}
    assert families == {'ddad', 'dfad', 'deepinv', 'dafl', 'noise_kd',
                        'fast_meta'}


@pytest.mark.parametrize('config', DATA_FREE, ids=osp.basename)
def test_data_free_configs_parse_and_name_no_training_set(config):
    cfg = Config.fromfile(config)
    assert cfg.model.type == 'DDAD'
    assert cfg.train_cfg.type == 'DataFreeTrainLoop'
    assert set(cfg.train_dataloader) == {'batch_size'}, cfg.train_dataloader
    assert cfg.default_scope == 'mmddad'


ALL_CONFIGS = sorted(
    p for p in glob.glob(osp.join(CONFIGS, '**', '*.py'), recursive=True)
    if '_base_' not in p)


@pytest.mark.parametrize(
    'config', ALL_CONFIGS, ids=lambda p: osp.relpath(p, CONFIGS))
def test_evaluation_loops_are_complete(config):
    """A val/test dataloader, loop and evaluator come together (MMEngine
    refuses a partial set only when the run starts)."""
    cfg = Config.fromfile(config)
    for split in ('val', 'test'):
        given = {key: cfg.get(f'{split}_{key}') is not None
                 for key in ('dataloader', 'cfg', 'evaluator')}
        assert len(set(given.values())) == 1, (split, given)


@pytest.mark.parametrize('config', EMBEDDED, ids=osp.basename)
def test_embedded_family_trains_without_training_data(
        config, teacher_checkpoint, tmp_path, monkeypatch):
    splits = []
    original = MNIST5k.load_data_list

    def spy(self):
        splits.append(self.split)
        return original(self)

    monkeypatch.setattr(MNIST5k, 'load_data_list', spy)
    cfg = Config.fromfile(config)
    cfg.work_dir = str(tmp_path)
    cfg.model.teacher.checkpoint = teacher_checkpoint
    cfg.train_dataloader.batch_size = 8
    cfg.train_cfg.max_iters = 2
    cfg.train_cfg.val_interval = 2
    cfg.val_dataloader.dataset.indices = 40
    cfg.test_dataloader.dataset.indices = 40
    cfg.default_hooks.checkpoint.interval = 2
    cfg.default_hooks.logger.interval = 1
    runner = Runner.from_cfg(cfg)
    teacher_before = {
        k: v.clone()
        for k, v in runner.model.teacher.state_dict().items()
    }
    runner.train()
    assert runner.iter == 2
    assert runner.train_dataloader.dataset is None
    assert splits and set(splits) == {'test'}  # only evaluation data
    metrics = runner.message_hub.log_scalars
    assert 'val/accuracy/top1' in metrics
    assert 'train/loss_student' in metrics
    for k, v in runner.model.teacher.state_dict().items():
        assert torch.equal(v, teacher_before[k]), k
    assert osp.isfile(osp.join(str(tmp_path), 'iter_2.pth'))


@pytest.mark.parametrize('name', [
    'ddad_resnet34_resnet18_cifar10.py', 'ddad_resnet34_resnet18_cifar100.py',
    'ddad_resnet50_resnet18_8xb32_in1k.py',
    pytest.param('deeplabv3_camvid.py', marks=pytest.mark.slow),
    pytest.param('deeplabv3_r50-d8_mobilenetv2_cityscapes.py',
                 marks=pytest.mark.slow),
    'deeplabv3-r18-w32_r18-w16_camvid-180x240_cpu.py'
])
def test_large_configs_build_and_step(name, tmp_path):
    """The CIFAR, ImageNet, CamVid and Cityscapes configs build their real
    architectures (random teacher: its weights are a download or a recipe's
    output) and run one iteration."""
    cfg = Config.fromfile(osp.join(CONFIGS, 'ddad', name))
    runner = one_step_runner(cfg, str(tmp_path),
                             2 if 'in1k' in name else 4)
    runner.train()
    assert runner.iter == 1
    assert torch.isfinite(
        torch.tensor(runner.message_hub.get_scalar('train/loss_bn').current()))


def test_a_real_training_set_is_refused(teacher_checkpoint, tmp_path):
    cfg = Config.fromfile(EMBEDDED[0])
    cfg.work_dir = str(tmp_path)
    cfg.model.teacher.checkpoint = teacher_checkpoint
    cfg.train_dataloader = dict(
        batch_size=8, dataset=dict(type='MNIST5k', split='train'))
    with pytest.raises(ValueError, match='train_dataloader.dataset'):
        Runner.from_cfg(cfg).train()


SEG_DDAD = osp.join(CONFIGS, 'ddad',
                    'ddad_deeplabv3-r18-w16_r18-w8_mnist-canvas.py')
SEG_TEACHER = osp.join(CONFIGS, 'teachers',
                       'deeplabv3_r18-w16_mnist-canvas.py')


@pytest.fixture(scope='module')
def seg_teacher_checkpoint(tmp_path_factory) -> str:
    """A randomly initialised DeepLabV3 teacher with BN statistics."""
    from mmddad.models import build_network
    torch.manual_seed(0)
    teacher = build_network(dict(cfg_path=SEG_TEACHER), 'teacher')
    teacher.init_weights()
    with torch.no_grad():
        teacher(torch.randn(4, 1, 64, 64), mode='tensor')
    path = str(tmp_path_factory.mktemp('seg_teacher') / 'teacher.pth')
    torch.save(dict(state_dict=teacher.state_dict(), meta=dict()), path)
    return path


@pytest.mark.parametrize('family', ['ddad', 'dfad'])
def test_segmentation_family_trains(family, seg_teacher_checkpoint, tmp_path):
    config = SEG_DDAD if family == 'ddad' else SEG_DDAD.replace(
        '/ddad/ddad_', '/dfad/dfad_')
    cfg = Config.fromfile(config)
    cfg.work_dir = str(tmp_path)
    cfg.model.teacher.checkpoint = seg_teacher_checkpoint
    cfg.model.student_steps = 1
    cfg.train_dataloader.batch_size = 4
    cfg.train_cfg.max_iters = 2
    cfg.train_cfg.val_interval = 2
    cfg.val_dataloader.dataset.num_canvases = 8
    cfg.val_dataloader.batch_size = 4
    cfg.default_hooks.checkpoint.interval = 2
    runner = Runner.from_cfg(cfg)
    assert type(runner.model.adapter).__name__ == 'SegmentorAdapter'
    runner.train()
    hub = runner.message_hub
    assert 'val/mIoU' in hub.log_scalars
    assert ('train/loss_bn' in hub.log_scalars) == (family == 'ddad')
    # the bounded adversarial term: -log(1 + d) < 0
    assert hub.get_scalar('train/loss_adv').current() < 0
    # the visualisation hook's grid: 32 canvases of 64x64, 8 per row, and
    # under it a legend of the 11 classes' colours
    grid = mmcv.imread(osp.join(str(tmp_path), 'synthetic', 'iter_2.png'),
                       channel_order='rgb')
    tiles_height = 4 * 64 + 5 * 2
    assert grid.shape[1:] == (8 * 64 + 9 * 2, 3)
    assert grid.dtype == np.uint8 and grid[2:66, 2:66].std() > 1
    legend = grid[tiles_height:]
    assert 14 <= legend.shape[0] <= 3 * 14 + 4
    palette = runner.model.adapter._palette(
        runner.val_dataloader.dataset.metainfo, 11)
    colours = {tuple(c) for c in legend.reshape(-1, 3).tolist()}
    assert all(tuple(c) in colours for c in palette.tolist())


def test_segmentation_predictions_are_painted_with_a_legend(
        seg_teacher_checkpoint, tmp_path):
    """``tools/test.py --show-dir``'s hook on a segmentation student: the
    image, the predicted and the ground-truth masks side by side, with a
    legend of the classes they show under them."""
    cfg = Config.fromfile(SEG_DDAD)
    cfg.work_dir = str(tmp_path)
    cfg.model.teacher.checkpoint = seg_teacher_checkpoint
    cfg.test_dataloader.dataset.num_canvases = 3
    cfg.test_dataloader.batch_size = 2
    cfg.custom_hooks = [dict(type='PredictionPaintingHook',
                             out_dir=str(tmp_path / 'painted'))]
    runner = Runner.from_cfg(cfg)
    runner.test()
    painted = sorted(glob.glob(str(tmp_path / 'painted' / '*.png')))
    assert len(painted) == 3
    picture = mmcv.imread(painted[0], channel_order='rgb')
    # three 64x64 panels enlarged to 128x128 (4 px apart) with a caption,
    # then the legend
    assert picture.shape[1] == 3 * (128 + 4)
    assert picture.shape[0] > 128 + 14
    legend = picture[128 + 14:]
    assert (legend == 255).mean() > 0.5 and legend.min() < 100

    # --show-teacher: the teacher's mask between the student's and the
    # ground truth; only a distiller has a teacher to paint
    cfg.custom_hooks = [dict(type='PredictionPaintingHook',
                             out_dir=str(tmp_path / 'both'),
                             with_teacher=True)]
    runner = Runner.from_cfg(cfg)
    runner.test()
    both = sorted(glob.glob(str(tmp_path / 'both' / '*.png')))
    picture = mmcv.imread(both[0], channel_order='rgb')
    assert len(both) == 3 and picture.shape[1] == 4 * (128 + 4)
    from mmddad.engine.hooks import PredictionPaintingHook
    hook = PredictionPaintingHook(str(tmp_path / 'x'), with_teacher=True)
    with pytest.raises(ValueError, match='has no teacher'):
        hook.before_test(SimpleNamespace(
            model=runner.model.student, work_dir=str(tmp_path),
            timestamp='t', test_dataloader=runner.test_dataloader))


DEEP_TEACHER = osp.join(CONFIGS, 'teachers', 'resnet50-w16_mnist5k.py')


def test_the_deeper_teacher_recipe_is_a_ddad_teacher_with_53_bn_layers():
    """The depth check's teacher (``docs/en/tuning.md``) swaps into
    the shipped embedded config: its statistics term hooks all 53 BN layers
    (ResNet-18: 20) and both generator terms pull on the images."""
    cfg = Config.fromfile(EMBEDDED_DDAD)
    cfg.model.teacher = dict(cfg_path=DEEP_TEACHER, checkpoint=None)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.train()
    assert model.generator_losses['loss_bn'].num_layers == 53
    pulls = generator_term_gradients(model, torch.randn(4, model.latent_dim))
    assert set(pulls) == {'loss_bn', 'loss_adv'}
    assert all(norm > 0 for _, norm in pulls.values())
