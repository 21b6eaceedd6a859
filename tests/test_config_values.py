# Copyright (c) mmddad contributors. All rights reserved.
"""Values a config (or ``--cfg-options``) gives that no run could use: one
line naming the key, before anything is built."""
import pytest

from tests.conftest import EMBEDDED_DDAD


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
    from mmddad.utils import load_tool_config
    with pytest.raises((TypeError, ValueError), match=f'`{key}`'):
        load_tool_config(EMBEDDED_DDAD, option)


def test_a_mistyped_top_level_option_is_refused():
    from mmddad.utils import load_tool_config
    with pytest.raises(KeyError, match='modle.student_steps.*`modle`.*'
                       'did you mean `model`'):
        load_tool_config(EMBEDDED_DDAD, {'modle.student_steps': 3})
    # keys the runner reads and keys of the config are accepted
    cfg = load_tool_config(EMBEDDED_DDAD, {
        'model.student_steps': 3, 'auto_scale_lr.base_batch_size': 8,
        'randomness.seed': 3})
    assert cfg.model.student_steps == 3 and cfg.randomness.seed == 3
