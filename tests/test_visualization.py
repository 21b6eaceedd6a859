# Copyright (c) mmddad contributors. All rights reserved.
"""Seeing and keeping what the generator makes: grids, datasets, curves."""
import glob
import os.path as osp

import mmcv
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from mmddad.apis.curves import teacher_reference
from mmddad.engine.run_records import make_summary, read_scalars, write_summary
from .conftest import EMBEDDED_DDAD, TOOLS, run_tool


@pytest.fixture(scope='module')
def short_run(tmp_path_factory, teacher_checkpoint):
    """A real 3-iteration DDAD run with a grid at every iteration."""
    work = str(tmp_path_factory.mktemp('short_run'))
    cfg = Config.fromfile(EMBEDDED_DDAD)
    cfg.work_dir = work
    cfg.model.teacher.checkpoint = teacher_checkpoint
    cfg.model.student_steps = 1
    cfg.train_dataloader.batch_size = 8
    cfg.train_cfg.max_iters = 3
    cfg.train_cfg.val_interval = 1
    cfg.val_dataloader.dataset.indices = 20
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint.interval = 3
    cfg.custom_hooks[1] = dict(
        type='SyntheticImageVisualizationHook', interval=1, num_images=6,
        nrow=3)
    runner = Runner.from_cfg(cfg)
    runner.train()
    return work, runner


def test_hook_writes_grids_of_the_right_size(short_run):
    work, runner = short_run
    for step in (1, 2, 3):
        grid = mmcv.imread(osp.join(work, 'synthetic', f'iter_{step}.png'))
        # 6 tiles of 32x32 enlarged to 64x64 with a 14 px caption strip
        # under each (the label never covers the digit), 3 per row, 2 px
        # padding
        assert grid.shape == (2 * (64 + 14) + 3 * 2, 3 * 64 + 4 * 2, 3)
        caption = grid[2 + 64:2 + 64 + 14, 2:66]
        assert (caption == 255).mean() > 0.5 and caption.min() < 128
        assert grid.dtype == np.uint8
        tiles = grid[2:66, 2:66]
        assert tiles.std() > 1  # not a blank image
    # the same grid went to the visualizer's backend (local files here)
    vis = glob.glob(osp.join(work, '*', 'vis_data', 'vis_image',
                             'synthetic_*.png'))
    assert len(vis) == 3


def test_hook_grid_denormalises_with_the_teacher_stats(short_run):
    from mmddad.visualization import images_to_uint8
    _, runner = short_run
    pre = runner.model.teacher.data_preprocessor
    # the normalised image of a black pixel (0) and a white one (255)
    x = torch.stack([(torch.zeros(1, 2, 2) - pre.mean) / pre.std,
                     (torch.full((1, 2, 2), 255.) - pre.mean) / pre.std])
    black, white = images_to_uint8(x, pre)
    assert black.shape == (2, 2, 3) and black.max() == 0
    assert white.min() == 255


def test_synthesize_writes_a_dataset_mmpretrain_reads(short_run, tmp_path):
    work, runner = short_run
    out = str(tmp_path / 'synthetic')
    cmd = [osp.join(TOOLS, 'synthesize.py'), EMBEDDED_DDAD,
           osp.join(work, 'iter_3.pth'), '--num', '10', '--batch-size', '4',
           '--out', out, '--cfg-options',
           f'model.teacher.checkpoint={runner.cfg.model.teacher.checkpoint}']
    run_tool(*cmd)
    from mmddad.apis import synthesize_dataset  # the tool's call
    cfg = runner.cfg.copy()
    with pytest.raises(FileExistsError, match='pass --force'):
        synthesize_dataset(cfg, osp.join(work, 'iter_3.pth'), out, 10)

    from mmpretrain.datasets import CustomDataset
    dataset = CustomDataset(
        data_root=out, ann_file='meta/train.txt', data_prefix='',
        pipeline=[
            dict(type='mmpretrain.LoadImageFromFile', color_type='grayscale'),
            dict(type='mmpretrain.PackInputs')
        ])
    assert len(dataset) == 10
    teacher = runner.model.teacher
    batch = [dataset[i] for i in range(len(dataset))]
    data = teacher.data_preprocessor(
        dict(inputs=[b['inputs'] for b in batch]), False)
    with torch.no_grad():
        predicted = teacher(data['inputs'], mode='tensor').argmax(1).tolist()
    stored = [int(b['data_samples'].gt_label) for b in batch]
    assert stored == predicted
    assert open(osp.join(out, 'classes.txt')).read().split() == list(
        '0123456789')


def test_plot_curves_from_a_real_log(short_run, tmp_path):
    work, _ = short_run
    train, val = read_scalars(work)
    assert {'loss_student', 'loss_bn', 'loss_adv'} <= set(train)
    assert [s for s, _ in train['loss_student']] == [1, 2, 3]
    assert [s for s, _ in val['accuracy/top1']] == [1, 2, 3]
    from mmddad.apis import plot_curves  # the tool's call
    out = plot_curves(work, str(tmp_path / 'curves.png'))
    img = mmcv.imread(out)
    assert img is not None and img.shape[1] > 4 * img.shape[0] / 2


def test_plot_curves_takes_the_teacher_reference_from_distill(tmp_path):
    assert teacher_reference(str(tmp_path), None) is None
    assert teacher_reference(str(tmp_path), 90.0) == (None, 90.0)
    write_summary(str(tmp_path), make_summary(
        'a.py', 0, 'mIoU', teacher=75.5, student=70.0, distill_seconds=1.0,
        teacher_train_seconds=None, total_seconds=2.0, curve=[],
        quality_ratio=0.9))
    assert teacher_reference(str(tmp_path), None) == ('mIoU', 75.5)
    assert teacher_reference(str(tmp_path), 70.0) == ('mIoU', 70.0)


def test_plot_curves_compares_runs_against_training_minutes(tmp_path):
    import json
    run = tmp_path / 'run'
    run.mkdir()
    (run / 'val_curve.json').write_text(json.dumps([
        {'iter': 100, 'train_seconds': 60.0, 'accuracy/top1': 30.0},
        {'iter': 200, 'train_seconds': 120.0, 'accuracy/top1': 40.0}]))
    peer = tmp_path / 'peer.json'
    peer.write_text(json.dumps({'evaluations': [
        {'epoch': 1, 'train_seconds': 90.0, 'top1': 20.0}]}))
    out = tmp_path / 'minutes.png'
    run_tool(osp.join(TOOLS, 'plot_curves.py'), '--minutes', f'DDAD={run}',
             f'peer={peer}', '--teacher-score', '83.2', '--out', str(out))
    assert out.read_bytes()[:4] == b'\x89PNG'
    # a path without a curve is named (the tool's API call)
    from mmddad.apis import plot_minutes
    with pytest.raises(OSError, match='empty.json'):
        plot_minutes({'x': str(tmp_path / 'empty.json')},
                     str(tmp_path / 'x.png'))
    (tmp_path / 'none.json').write_text('{}')
    with pytest.raises(ValueError, match='none.json" holds no curve'):
        plot_minutes([('x', str(tmp_path / 'none.json'))],
                     str(tmp_path / 'x.png'))


def test_draw_synthetic_grid_from_a_checkpoint(short_run, tmp_path):
    """The grid of the training hook, from a checkpoint and a chosen
    seed: the same latents give the same picture."""
    work, runner = short_run
    out = str(tmp_path / 'a.png')
    run_tool(
        osp.join(TOOLS, 'draw_synthetic.py'), EMBEDDED_DDAD,
        osp.join(work, 'iter_3.pth'), '--out', out, '--num', '6', '--nrow',
        '3', '--cfg-options',
        f'model.teacher.checkpoint={runner.cfg.model.teacher.checkpoint}')
    from mmddad.apis import draw_synthetic  # the tool's call
    grid = draw_synthetic(runner.cfg.copy(), osp.join(work, 'iter_3.pth'),
                          num=6, nrow=3)
    assert grid.shape == (2 * (64 + 14) + 3 * 2, 3 * 64 + 4 * 2, 3)
    assert np.array_equal(mmcv.imread(out), mmcv.bgr2rgb(grid))
