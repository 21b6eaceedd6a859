# Copyright (c) mmddad contributors. All rights reserved.
"""Any PyTorch classifier as teacher or student (TorchClassifier), and
validation on image folders (ClassFolderDataset)."""
import os
import os.path as osp
import textwrap

import cv2
import numpy as np
import pytest
import torch

from mmddad.models import build_network
from .conftest import STUDENT_RECIPE, TEACHER_RECIPE, TOOLS, run_tool
from .test_ddad import batch, make_ddad, make_optim

#: A user's model file, as someone else would write it: plain PyTorch.
USER_FILE = textwrap.dedent('''
    import torch.nn as nn


    class TinyNet(nn.Module):
        def __init__(self, width=8, in_channels=1, num_classes=10):
            super().__init__()
            self.conv1 = nn.Conv2d(in_channels, width, 3, padding=1,
                                   bias=False)
            self.bn1 = nn.BatchNorm2d(width)
            self.layer1 = nn.Sequential(
                nn.Conv2d(width, width, 3, stride=2, padding=1, bias=False),
                nn.BatchNorm2d(width), nn.ReLU())
            self.linear = nn.Linear(width, num_classes)

        def forward(self, x):
            x = self.layer1(self.bn1(self.conv1(x)).relu())
            return self.linear(x.mean((2, 3)))


    def tinynet(**kwargs):
        return TinyNet(**kwargs)


    def not_a_module():
        return 3
''')
#: The embedded recipes' preprocessing (one channel, no channel swap).
GRAY = dict(num_classes=10, mean=[25.64], std=[70.29], to_rgb=False)


@pytest.fixture(scope='module')
def user_code(tmp_path_factory):
    """The user's model file, and a checkpoint of a teacher built by it in
    the layout of a third-party repository: ``{'state_dict', 'best_prec1'}``
    with DataParallel's ``module.`` before every key."""
    folder = tmp_path_factory.mktemp('user')
    path = folder / 'tiny_models.py'
    path.write_text(USER_FILE)
    import importlib.util
    spec = importlib.util.spec_from_file_location('tiny_models_ref', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    torch.manual_seed(1)
    net = module.tinynet(width=16).train()
    with torch.no_grad():  # non-trivial BN statistics
        for _ in range(3):
            net(torch.randn(16, 1, 32, 32) * 0.8 + 0.1)
    weights = folder / 'tiny16.th'
    torch.save(dict(state_dict={f'module.{k}': v
                                for k, v in net.state_dict().items()},
                    best_prec1=90.0), weights)
    nested = folder / 'tiny16_nested.pth'
    torch.save(dict(net={f'model.{k}': v for k, v in net.state_dict().items()}),
               nested)
    return dict(file=str(path), weights=str(weights), nested=str(nested),
                module=module, net=net.eval())


def plain(user_code, width=8, **extra) -> dict:
    spec = dict(type='TorchClassifier', factory=f'{user_code["file"]}:tinynet',
                factory_kwargs=dict(width=width), data_preprocessor=GRAY)
    spec.update(extra)
    return spec


def plain_teacher(user_code, **extra) -> dict:
    return plain(user_code, width=16, checkpoint=user_code['weights'], **extra)


def test_a_third_party_checkpoint_loads_into_the_users_network(user_code):
    teacher = build_network(plain_teacher(user_code), 'model.teacher',
                            frozen=True)
    x = torch.randn(4, 1, 32, 32)
    # the same logits as the user's own network with its own weights
    assert torch.allclose(teacher(x, mode='tensor'), user_code['net'](x),
                          atol=1e-5)
    # plain keys: the state dict is the network's own
    assert set(teacher.state_dict()) == set(user_code['net'].state_dict())
    # a nested key and another prefix
    nested = build_network(
        plain(user_code, width=16, checkpoint=user_code['nested'],
              checkpoint_key='net', checkpoint_prefix='model.'), 'model.t',
        frozen=True)
    assert torch.allclose(nested(x, mode='tensor'), user_code['net'](x),
                          atol=1e-5)
    with pytest.raises(KeyError, match='has no `model`'):
        build_network(plain(user_code, width=16, checkpoint=user_code[
            'nested'], checkpoint_key='model'), 'model.teacher')
    # weights of another width: the strict one-line error names the key
    with pytest.raises(Exception, match='model.teacher.checkpoint'):
        build_network(plain(user_code, width=8, checkpoint=user_code[
            'weights']), 'model.teacher')


@pytest.mark.parametrize('factory,error,match', [
    ('no_colon', ValueError, 'file.py:factory'),
    ('missing.py:tinynet', FileNotFoundError, 'missing.py'),
    ('{file}:nothing', AttributeError, 'no `nothing`'),
    ('{file}:not_a_module', TypeError, 'not an nn.Module'),
    ('no_such_package_xyz:f', ImportError, 'no_such_package_xyz'),
])
def test_a_bad_factory_is_named(user_code, factory, error, match):
    spec = plain(user_code, factory=factory.format(file=user_code['file']),
                 factory_kwargs={})
    with pytest.raises(error, match=match) as err:
        build_network(spec, 'model.student')
    assert 'model.student' in str(err.value)
    # wrong arguments of a good factory
    with pytest.raises(TypeError, match='factory_kwargs'):
        build_network(plain(user_code, factory_kwargs=dict(depth=3)),
                      'model.student')


def test_plain_and_openmmlab_networks_distil_either_way(
        user_code, teacher_checkpoint):
    pairs = [
        (plain_teacher(user_code), plain(user_code)),
        (plain_teacher(user_code), dict(cfg_path=STUDENT_RECIPE)),
        (dict(cfg_path=TEACHER_RECIPE, checkpoint=teacher_checkpoint),
         plain(user_code)),
    ]
    for teacher, student in pairs:
        model = make_ddad(teacher_checkpoint, teacher=teacher,
                          student=student)
        model.train()
        optim = make_optim(model, student_lr=0.05)
        before = {k: v.clone() for k, v in model.student.state_dict().items()}
        logs = model.train_step(batch(0), optim)
        assert all(torch.isfinite(v) for v in logs.values())
        assert any(not torch.equal(v, before[k])
                   for k, v in model.student.state_dict().items())
        # the distiller's checkpoint keys of a plain student are its own
        keys = [k for k in model.state_dict() if k.startswith('student.')]
        if student.get('type') == 'TorchClassifier':
            assert 'student.conv1.weight' in keys
            assert not any('network' in k for k in keys)


def test_a_channel_order_mismatch_is_refused(user_code, teacher_checkpoint):
    rgb = dict(GRAY, to_rgb=True)
    with pytest.raises(ValueError, match='channels in a different order'):
        make_ddad(teacher_checkpoint,
                  teacher=plain_teacher(user_code),
                  student=plain(user_code, data_preprocessor=rgb))


def test_a_run_with_a_plain_student_exports_for_the_users_class(
        user_code, tmp_path):
    """tools/train.py -> tools/export_student.py -> the user's class loads
    the file strictly; tools/test.py scores the student on image folders
    whose class order is not alphabetical."""
    data = tmp_path / 'folders'
    classes = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven',
               'eight', 'nine']  # labels follow this order, not the alphabet
    rng = np.random.default_rng(0)
    for name in classes:
        os.makedirs(data / 'test' / name)
        for i in range(2):
            cv2.imwrite(str(data / 'test' / name / f'{i}.png'),
                        rng.integers(0, 255, (32, 32), dtype=np.uint8))
    config = tmp_path / 'plain_ddad.py'
    config.write_text(textwrap.dedent(f'''
        _base_ = ['{osp.join(osp.dirname(TEACHER_RECIPE), '..', 'ddad',
                             'ddad_resnet18-w16_resnet18-w8_mnist5k.py')}']
        classes = {classes!r}
        model = dict(
            teacher=dict(_delete_=True, type='TorchClassifier',
                         factory='{user_code['file']}:tinynet',
                         factory_kwargs=dict(width=16),
                         data_preprocessor={GRAY!r},
                         checkpoint='{user_code['weights']}'),
            student=dict(_delete_=True, type='TorchClassifier',
                         factory='{user_code['file']}:tinynet',
                         factory_kwargs=dict(width=8),
                         data_preprocessor={GRAY!r}),
            generator=dict(base_channels=16))
        pipeline = [dict(type='mmpretrain.LoadImageFromFile',
                         color_type='grayscale'),
                    dict(type='mmpretrain.PackInputs')]
        val_dataloader = dict(_delete_=True, batch_size=8, num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=False),
            dataset=dict(type='ClassFolderDataset', data_root='{data}',
                         data_prefix='test', metainfo=dict(classes=classes),
                         pipeline=pipeline))
        test_dataloader = val_dataloader
        train_dataloader = dict(batch_size=8)
        train_cfg = dict(max_iters=2, val_interval=2)
        default_hooks = dict(checkpoint=dict(interval=2))
    '''))
    work = str(tmp_path / 'run')
    run_tool(osp.join(TOOLS, 'train.py'), str(config), '--work-dir', work,
             '--cfg-options', 'model.student_steps=1')
    student = str(tmp_path / 'student.pth')
    run_tool(osp.join(TOOLS, 'export_student.py'),
             osp.join(work, 'iter_2.pth'), student)
    net = user_code['module'].tinynet(width=8)
    net.load_state_dict(torch.load(student)['state_dict'])  # strict
    proc = run_tool(osp.join(TOOLS, 'test.py'), str(config),
                    osp.join(work, 'iter_2.pth'), '--work-dir',
                    str(tmp_path / 'test'))
    assert 'accuracy/top1' in proc.stdout + proc.stderr

    # what tools/distill.py reports, from the package: the teacher scored
    # as the user's own network with its own weights scores the folders
    from mmengine.config import Config

    from mmddad.apis import evaluate_student, evaluate_teacher
    cfg = Config.fromfile(str(config))
    cfg.work_dir = work
    teacher = evaluate_teacher(cfg, str(tmp_path / 'eval'))['accuracy/top1']
    correct = 0
    for label, name in enumerate(classes):
        for i in range(2):
            img = cv2.imread(str(data / 'test' / name / f'{i}.png'),
                             cv2.IMREAD_GRAYSCALE).astype(np.float32)
            x = (torch.from_numpy(img) - GRAY['mean'][0]) / GRAY['std'][0]
            with torch.no_grad():
                logits = user_code['net'](x[None, None])
            correct += int(logits.argmax(1)) == label
    assert teacher == pytest.approx(100 * correct / 20)
    student = evaluate_student(cfg)['accuracy/top1']
    assert 0 <= student <= 100


def test_folder_labels_follow_the_configured_classes(tmp_path):
    from mmddad.datasets import ClassFolderDataset
    for name in ('cat', 'ant'):
        os.makedirs(tmp_path / 'test' / name)
        cv2.imwrite(str(tmp_path / 'test' / name / '0.png'),
                    np.zeros((4, 4, 3), np.uint8))
    data = ClassFolderDataset(data_root=str(tmp_path), data_prefix='test',
                              metainfo=dict(classes=('cat', 'ant')))
    labels = {osp.basename(osp.dirname(d['img_path'])): d['gt_label']
              for d in data.load_data_list()}
    assert labels == dict(cat=0, ant=1)  # not the alphabetical 1, 0
    with pytest.raises(ValueError, match="'ant'.*not among"):
        ClassFolderDataset(data_root=str(tmp_path), data_prefix='test',
                           metainfo=dict(classes=('cat', 'bee')))


#: Stand-ins for the third-party file the CIFAR-10 folder configs name.
STAND_IN = textwrap.dedent('''
    import torch.nn as nn


    def _net(width):
        return nn.Sequential(
            nn.Conv2d(3, width, 3, padding=1), nn.BatchNorm2d(width),
            nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
            nn.Linear(width, 10))


    def resnet56():
        return _net(8)


    def resnet20():
        return _net(4)
''')


@pytest.mark.parametrize('config', [
    'ddad/ddad_resnet56_resnet20_cifar10-folder.py',
    'ddad/ddad_resnet56_resnet20_cifar10-folder_bank.py',
    'ddad/ddad_resnet56_resnet20_cifar10-folder_ring.py',
    'deepinv/deepinv_resnet56_resnet20_cifar10-folder.py',
    'deepinv/deepinv_resnet56_resnet20_cifar10-folder_ring.py',
    'dfad/dfad_resnet56_resnet20_cifar10-folder.py',
    'fast_meta/fast-ddad_resnet56_resnet20_cifar10-folder.py',
])
def test_the_cifar10_folder_configs_step_with_the_users_file(
        config, tmp_path, monkeypatch):
    from mmengine.config import Config
    from .conftest import CONFIGS, one_step_runner
    (tmp_path / 'resnet.py').write_text(STAND_IN)
    # the file, the weights and the data come from where the user keeps them
    monkeypatch.setenv('RESNET_CIFAR_FILE', str(tmp_path / 'resnet.py'))
    monkeypatch.setenv('CIFAR10_FOLDER', str(tmp_path / 'cifar'))
    cfg = Config.fromfile(osp.join(CONFIGS, config))
    assert cfg.model.teacher.factory == f'{tmp_path}/resnet.py:resnet56'
    assert cfg.val_dataloader.dataset.data_root == str(tmp_path / 'cifar')
    cfg.model.replay.capacity = 8
    runner = one_step_runner(cfg, str(tmp_path / 'work'), 4)
    runner.train()
    assert runner.iter == 1


def test_the_deployed_model_swaps_channels_as_the_preprocessor_does():
    """An RGB model (``to_rgb=True``) deployed takes the loader's BGR pixels
    and must see what its own preprocessor gives it."""
    from mmddad.deploy.deployable_model import DeployableModel
    from mmddad.models.task_adapters import ClassifierAdapter
    from mmddad.visualization import to_loaded_pixels
    torch.manual_seed(0)
    model = build_network(
        dict(type='TorchClassifier', factory='torch.nn:Sequential',
             data_preprocessor=dict(mean=[10., 20., 30.], std=[2., 3., 4.],
                                    to_rgb=True)), 'model.student')
    model.network = torch.nn.Sequential(
        torch.nn.Conv2d(3, 4, 1), torch.nn.Flatten(), torch.nn.Linear(64, 3))
    model.eval()
    image = torch.randint(0, 255, (3, 4, 4), dtype=torch.uint8)  # BGR
    with torch.no_grad():
        inputs = model.data_preprocessor(dict(inputs=[image]))['inputs']
        expected = model(inputs, mode='tensor')
        deployed = DeployableModel(model, ClassifierAdapter())(
            image[None].float())
        # and back: normalised inputs -> the loader's pixels
        pixels = to_loaded_pixels(inputs, model.data_preprocessor)
    assert torch.allclose(deployed, expected, atol=1e-5)
    assert torch.equal(pixels[0], image.float())
