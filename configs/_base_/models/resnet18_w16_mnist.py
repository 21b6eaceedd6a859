# Teacher of the embedded task: MMPretrain's CIFAR ResNet-18 at 1/4 width
# (channels 16-32-64-128), grayscale input, BatchNorm everywhere.
model = dict(
    _scope_='mmpretrain',
    type='ImageClassifier',
    backbone=dict(
        type='ResNet_CIFAR',
        depth=18,
        in_channels=1,
        stem_channels=16,
        base_channels=16,
        num_stages=4,
        out_indices=(3, )),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=10,
        in_channels=128,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))
