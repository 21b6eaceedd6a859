# The embedded segmentation task: 64x64 canvases of 1-4 real MNIST digits,
# 11 classes (background + 10 digits); 2,000 training canvases from the
# MNIST5k train digits, 500 fixed test canvases from its test digits.
# Data-free configs keep only the evaluation part, with
# `train_dataloader = dict(_delete_=True, batch_size=N)`.
dataset_type = 'MNISTCanvasSeg'
num_classes = 11
data_preprocessor = dict(
    type='mmseg.SegDataPreProcessor',
    mean=[15.13],
    std=[55.63],
    bgr_to_rgb=False,
    pad_val=0,
    seg_pad_val=255,
    size=(64, 64))
test_pipeline = [dict(type='mmseg.PackSegInputs')]
val_dataloader = dict(
    batch_size=50,
    num_workers=0,
    dataset=dict(type=dataset_type, split='test', pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False))
val_evaluator = dict(type='mmseg.IoUMetric', iou_metrics=['mIoU'])
test_dataloader = val_dataloader
test_evaluator = val_evaluator
train_pipeline = [
    dict(type='mmseg.RandomFlip', prob=0.0),  # digits are not symmetric
    dict(type='mmseg.PackSegInputs'),
]
train_dataloader = dict(
    batch_size=16,
    num_workers=0,
    dataset=dict(type='MNISTCanvasSeg', split='train', pipeline=train_pipeline),
    sampler=dict(type='InfiniteSampler', shuffle=True))
