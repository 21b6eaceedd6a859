# The segmentation student's architecture trained with the real canvases
# (the "with data" reference).
_base_ = [
    '../_base_/models/deeplabv3_r18-w8_canvas.py',
    '../_base_/datasets/mnist_canvas_seg.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/canvas_seg_supervised.py',
]
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(
        type='CheckpointHook', by_epoch=False, interval=400,
        max_keep_ckpts=1))
log_processor = dict(by_epoch=False)
