# Caltech101 at 128x128 through MMPretrain's Caltech101 dataset (102 classes
# with background, MMPretrain's train/test lists). Layout: data/caltech-101
# as documented in mmpretrain.datasets.Caltech101.
dataset_type = 'mmpretrain.Caltech101'
data_root = 'data/caltech-101'
data_preprocessor = dict(
    type='mmpretrain.ClsDataPreprocessor',
    num_classes=102,
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True)

train_pipeline = [
    dict(type='mmpretrain.LoadImageFromFile'),
    dict(type='mmpretrain.RandomResizedCrop', scale=128),
    dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='mmpretrain.PackInputs'),
]
test_pipeline = [
    dict(type='mmpretrain.LoadImageFromFile'),
    dict(type='mmpretrain.ResizeEdge', scale=146, edge='short'),
    dict(type='mmpretrain.CenterCrop', crop_size=128),
    dict(type='mmpretrain.PackInputs'),
]
train_dataloader = dict(
    batch_size=64,
    num_workers=4,
    dataset=dict(
        type=dataset_type, data_root=data_root, split='train',
        pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True))
val_dataloader = dict(
    batch_size=64,
    num_workers=4,
    dataset=dict(
        type=dataset_type, data_root=data_root, split='test',
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False))
val_evaluator = dict(type='mmpretrain.Accuracy', topk=(1, ))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
