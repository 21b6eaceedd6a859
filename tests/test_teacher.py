# Copyright (c) mmddad contributors. All rights reserved.
"""The teacher of a distillation. Its checkpoint is checked before anything
trains, and a missing one is named with the command that makes it
(``--train-teacher`` offered only where it works). The teacher's score that
``tools/distill.py`` reports (and ``distill_summary.json``,
``tools/results_table.py`` and ``tools/plot_curves.py`` inherit) is the
score ``tools/test.py`` gives the teacher's own config and checkpoint:
preprocessing included."""
import json
import os
import os.path as osp

import pytest
from mmengine.config import Config

from tests.conftest import (CONFIGS, EMBEDDED_DDAD, TEACHER_RECIPE, TOOLS,
                            run_tool, tool_config)

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
@pytest.mark.slow
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


def test_distill_checks_the_teacher_checkpoint_before_training(tmp_path):
    from mmddad.apis import distill

    def run(checkpoint, train_teacher):
        cfg = tool_config(EMBEDDED_DDAD,
                          f'model.teacher.checkpoint={checkpoint}')
        cfg.work_dir = str(tmp_path / 'w')
        with pytest.raises(FileNotFoundError) as info:
            distill(cfg, train_teacher=train_teacher)
        return str(info.value)

    missing = str(tmp_path / 'teacher' / 'epoch_12.pth')
    line = run(missing, False)
    assert '`model.teacher.checkpoint`' in line and missing in line
    assert 'tools/train.py' in line and '--train-teacher' in line
    # --train-teacher, but the recipe would write another file
    line = run(str(tmp_path / 'teacher' / 'epoch_5.pth'), True)
    assert 'would write' in line and 'epoch_12.pth' in line
    assert not osp.exists(tmp_path / 'teacher')  # nothing was trained
    assert not osp.exists(tmp_path / 'w')


def test_the_missing_teacher_hint_names_what_its_recipe_writes(tmp_path):
    from mmddad.models import build_network
    from mmddad.utils import last_checkpoint_of, load_config
    custom = str(tmp_path / 'teachers' / 'mine.pth')
    with pytest.raises(FileNotFoundError) as info:
        build_network(dict(cfg_path=TEACHER_RECIPE, checkpoint=custom),
                      'model.teacher')
    message = str(info.value)
    # training the recipe writes epoch_12.pth into --work-dir, not mine.pth
    written = osp.join(str(tmp_path / 'teachers'),
                       last_checkpoint_of(load_config(TEACHER_RECIPE)))
    assert f'--work-dir {tmp_path / "teachers"}`' in message
    assert f'point the key at "{written}"' in message
    assert 'distill.py' not in message  # --train-teacher would refuse it


def test_distill_offers_train_teacher_only_where_it_works(tmp_path,
                                                          monkeypatch):
    from mmddad.apis import distillation as distill

    def config(checkpoint: str) -> Config:
        cfg = Config.fromfile(EMBEDDED_DDAD)
        cfg.model.teacher.checkpoint = checkpoint
        return cfg

    other = str(tmp_path / 'teacher' / 'mine.pth')
    with pytest.raises(FileNotFoundError) as info:
        distill.ensure_teacher(config(other), train=False)
    assert '--train-teacher' not in str(info.value)
    assert 'epoch_12.pth' in str(info.value)
    default = str(tmp_path / 'teacher' / 'epoch_12.pth')
    with pytest.raises(FileNotFoundError) as info:
        distill.ensure_teacher(config(default), train=False)
    assert 'pass --train-teacher to this tool' in str(info.value)

    # what the hint offers passes every check and trains the recipe
    class FakeRunner:

        @classmethod
        def from_cfg(cls, cfg):
            runner = cls()
            runner.cfg = cfg
            return runner

        def train(self):
            os.makedirs(self.cfg.work_dir, exist_ok=True)
            open(osp.join(self.cfg.work_dir, 'epoch_12.pth'), 'w').close()

    monkeypatch.setattr(distill, 'checked_runner',
                        lambda cfg, cfg_options=None: FakeRunner.from_cfg(cfg))
    assert distill.ensure_teacher(config(default), train=True) is not None
    assert osp.isfile(default)
