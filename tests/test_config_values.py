# Copyright (c) mmddad contributors. All rights reserved.
"""Configs no run could use: a syntax error names its file and line, and a
value (of the config or ``--cfg-options``) of the wrong type or range names
its key in one line, before anything is built."""
import os.path as osp

import pytest

from tests.conftest import (CONFIGS, EMBEDDED_DDAD, TOOLS, error_line,
                            reported_error, run_tool, tool_config)

FAST_DDAD = osp.join(CONFIGS, 'fast_meta',
                     'fast-ddad_resnet18-w16_resnet18-w8_mnist5k.py')


def test_a_config_syntax_error_names_the_file_and_line(tmp_path):
    """What ``tools/train.py`` reports: its config read (the tool's one-line
    error itself: ``test_a_string_step_count_is_one_line_naming_the_key``)."""
    bad = tmp_path / 'bad_config.py'
    bad.write_text("model = dict(\n    type='DDAD',,\n)\n")
    line = reported_error(tool_config, str(bad))
    assert 'bad_config.py' in line and 'line 2' in line
    assert '<unknown>' not in line


def test_a_syntax_error_in_a_base_config_names_that_file(tmp_path):
    from mmddad.utils import load_config
    (tmp_path / 'base.py').write_text('model = dict(\n    a=1,,\n)\n')
    child = tmp_path / 'child.py'
    child.write_text("_base_ = ['./base.py']\nb = 2\n")
    with pytest.raises(SyntaxError) as info:
        load_config(str(child))
    assert f'config "{tmp_path / "base.py"}", line 2' in str(info.value)


@pytest.mark.parametrize('option, key', [
    ({'randomness.seed': 'zero'}, 'randomness.seed'),
    ({'randomness.seed': 1.5}, 'randomness.seed'),
    ({'optim_wrapper.student.optimizer.lr': 'fast'},
     'optim_wrapper.student.optimizer.lr'),
    ({'optim_wrapper.generator.optimizer.lr': -1.0},
     'optim_wrapper.generator.optimizer.lr'),
    ({'optim_wrapper.generator.optimizer.betas': [0.5, 'x']},
     'optim_wrapper.generator.optimizer.betas.1'),
])
def test_a_word_or_a_bad_number_names_its_key(option, key):
    from mmddad.apis.cli import load_tool_config
    with pytest.raises((TypeError, ValueError), match=f'`{key}`'):
        load_tool_config(EMBEDDED_DDAD, option)


def test_a_mistyped_top_level_option_is_refused():
    from mmddad.apis.cli import load_tool_config
    with pytest.raises(KeyError, match='modle.student_steps.*`modle`.*'
                       'did you mean `model`'):
        load_tool_config(EMBEDDED_DDAD, {'modle.student_steps': 3})
    # keys the runner reads and keys of the config are accepted
    cfg = load_tool_config(EMBEDDED_DDAD, {
        'model.student_steps': 3, 'auto_scale_lr.base_batch_size': 8,
        'randomness.seed': 3})
    assert cfg.model.student_steps == 3 and cfg.randomness.seed == 3


@pytest.mark.parametrize('key, value, expected', [
    ('student_steps', 'five', 'an integer >= 1'),
    ('student_steps', 2.5, 'an integer >= 1'),
    ('generator_steps', -1, 'an integer >= 0'),
])
def test_schedule_values_are_checked_for_type_and_range(key, value,
                                                        expected):
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmddad.registry import MODELS
    init_default_scope('mmddad')
    cfg = Config.fromfile(EMBEDDED_DDAD)
    cfg.model[key] = value
    with pytest.raises((TypeError, ValueError)) as info:
        MODELS.build(cfg.model)
    assert str(info.value) == f'`model.{key}` must be {expected}, got ' \
        f'{value!r}'


@pytest.mark.parametrize('value', ['two', 2.5, 0])
def test_synthesis_steps_are_checked_before_anything_is_built(value):
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmddad.registry import MODELS
    init_default_scope('mmddad')
    cfg = Config.fromfile(FAST_DDAD)
    cfg.model.teacher.checkpoint = 'never/read.pth'  # checked later
    cfg.model.synthesis_steps = value
    with pytest.raises((TypeError, ValueError),
                       match=f'`model.synthesis_steps` must be an integer '
                       f'>= 1, got {value!r}'):
        MODELS.build(cfg.model)


def test_augment_padding_of_the_wrong_type_is_named():
    from mmddad.models.augmentations import SyntheticAugmentation
    with pytest.raises(TypeError, match='`model.augment.padding` must be an '
                       "integer >= 0, got 'four'"):
        SyntheticAugmentation(padding='four')
    with pytest.raises(ValueError, match='`model.augment.flip_prob` must be '
                       'a number >= 0 and <= 1, got 2'):
        SyntheticAugmentation(flip_prob=2)


def test_ema_shared_modules_of_the_wrong_type_are_named():
    from mmddad.engine import DataFreeEMAHook
    for value in ('replay', ['replay', 3]):
        with pytest.raises(TypeError, match='`default_hooks.ema.'
                           'shared_modules` must be a list of submodule '
                           'names'):
            DataFreeEMAHook(shared_modules=value)


def test_a_string_step_count_is_one_line_naming_the_key(tmp_path):
    """``tools/train.py`` itself: an error of bad input is one line."""
    line = error_line(run_tool(
        osp.join(TOOLS, 'train.py'), EMBEDDED_DDAD, '--work-dir',
        str(tmp_path / 'w'), '--cfg-options', 'model.student_steps=five',
        check=False))
    assert "`model.student_steps` must be an integer >= 1, got 'five'" in line
