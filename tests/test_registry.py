# Copyright (c) mmddad contributors. All rights reserved.
import os.path as osp

from mmengine.config import Config
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import DefaultScope, init_default_scope

import mmddad  # noqa: F401
from mmddad.registry import DATASETS, LOOPS, MODELS, OPTIM_WRAPPER_CONSTRUCTORS

DATA = osp.join(osp.dirname(__file__), 'data', 'configs')


def test_registries_are_children_of_mmengine():
    assert MODELS.scope == 'mmddad'
    assert MODELS.parent is MMENGINE_MODELS
    for name, registry in (('DDAD', MODELS), ('DCGANGenerator', MODELS),
                           ('BNStatisticsLoss', MODELS),
                           ('LogitsL1Loss', MODELS), ('MNIST5k', DATASETS),
                           ('DataFreeTrainLoop', LOOPS),
                           ('PerSubmoduleOptimWrapperConstructor',
                            OPTIM_WRAPPER_CONSTRUCTORS)):
        assert registry.get(name) is not None, name


def test_mmpretrain_config_inherits_and_builds():
    cfg = Config.fromfile(osp.join(DATA, 'inherit_mmpretrain.py'))
    assert cfg.default_scope == 'mmddad'
    assert cfg.model.head.num_classes == 7
    assert cfg.model._scope_ == 'mmpretrain'
    init_default_scope('mmddad')
    model = MODELS.build(cfg.model)
    assert type(model).__module__.startswith('mmpretrain')
    assert model.head.num_classes == 7
    assert DefaultScope.get_current_instance().scope_name == 'mmddad'


def test_mmseg_config_inherits_and_builds():
    cfg = Config.fromfile(osp.join(DATA, 'inherit_mmseg.py'))
    assert cfg.model._scope_ == 'mmseg'
    init_default_scope('mmddad')
    model = MODELS.build(cfg.model)
    assert type(model).__name__ == 'EncoderDecoder'
    assert model.decode_head.num_classes == 5
