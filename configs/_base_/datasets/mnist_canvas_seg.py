# The embedded segmentation task with its 2,000 training canvases (from the
# MNIST5k train digits), for the supervised recipes.
_base_ = ['./mnist_canvas_seg_eval.py']
train_pipeline = [
    dict(type='mmseg.RandomFlip', prob=0.0),  # digits are not symmetric
    dict(type='mmseg.PackSegInputs'),
]
train_dataloader = dict(
    batch_size=16,
    num_workers=0,
    dataset=dict(type='MNISTCanvasSeg', split='train', pipeline=train_pipeline),
    sampler=dict(type='InfiniteSampler', shuffle=True))
