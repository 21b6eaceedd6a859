# Copyright (c) mmddad contributors. All rights reserved.
"""The teacher's score that ``tools/distill.py`` reports (and
``distill_summary.json``, ``tools/results_table.py`` and
``tools/plot_curves.py`` inherit) is the score ``tools/test.py`` gives the
teacher's own config and checkpoint: preprocessing included."""
import json
import os.path as osp

import pytest
from mmengine.config import Config

from tests.conftest import CONFIGS, TOOLS, run_tool

#: (teacher recipe, distillation config, headline metric, options that make
#: the recipe's training and both test splits tiny)
CASES = dict(
    # MMPretrain: `data_preprocessor` at the top level of the recipe
    mmpretrain=(
        osp.join(CONFIGS, 'teachers', 'resnet18-w16_mnist5k.py'),
        osp.join(CONFIGS, 'ddad', 'ddad_resnet18-w16_resnet18-w8_mnist5k.py'),
        'accuracy/top1',
        ['train_cfg.max_epochs=1', 'train_dataloader.dataset.indices=512',
         'train_cfg.val_interval=10'], 'epoch_1.pth'),
    # MMSeg: an EncoderDecoder with its SegDataPreProcessor
    mmseg=(
        osp.join(CONFIGS, 'teachers', 'deeplabv3_r18-w16_mnist-canvas.py'),
        osp.join(CONFIGS, 'ddad',
                 'ddad_deeplabv3-r18-w16_r18-w8_mnist-canvas.py'),
        'mIoU',
        ['train_cfg.max_iters=40', 'train_cfg.val_interval=1000',
         'default_hooks.checkpoint.interval=40'], 'iter_40.pth'),
)
TEST_SPLIT = ['test_dataloader.dataset.indices=64']


@pytest.mark.parametrize('kind', sorted(CASES))
def test_distill_scores_the_teacher_as_test_py_does(kind, tmp_path):
    recipe, distill_cfg, metric, train_options, written = CASES[kind]
    work = tmp_path / 'teacher'
    run_tool(osp.join(TOOLS, 'train.py'), recipe, '--work-dir', str(work),
             '--cfg-options', *train_options, *TEST_SPLIT)
    checkpoint = str(work / written)
    out = tmp_path / 'metrics.json'
    run_tool(osp.join(TOOLS, 'test.py'), recipe, checkpoint, '--work-dir',
             str(tmp_path / 'test'), '--out', str(out), '--out-item',
             'metrics', '--cfg-options', *TEST_SPLIT)
    expected = json.loads(out.read_text())[metric]

    from mmddad.apis import evaluate_teacher
    cfg = Config.fromfile(distill_cfg)
    cfg.merge_from_dict({'model.teacher.checkpoint': checkpoint,
                         'test_dataloader.dataset.indices': 64})
    score = evaluate_teacher(cfg, str(tmp_path / 'eval'))[metric]
    assert score == pytest.approx(expected, abs=0.02)
    # a teacher that learned something: unnormalised pixels would not do
    assert expected > (20 if kind == 'mmpretrain' else 0)
