# Evaluation part of the embedded segmentation task: 500 fixed 64x64
# canvases of 1-4 real MNIST test digits, 11 classes (background + 10
# digits). All a data-free run reads.
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
