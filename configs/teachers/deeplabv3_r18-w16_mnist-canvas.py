# Teacher of the embedded segmentation task, trained on the 2,000 canvases:
#   python tools/train.py configs/teachers/deeplabv3_r18-w16_mnist-canvas.py
_base_ = [
    '../_base_/models/deeplabv3_r18-w16_canvas.py',
    '../_base_/datasets/mnist_canvas_seg.py',
    '../_base_/iter_based_runtime.py',
    '../_base_/schedules/canvas_seg_supervised.py',
]
default_hooks = dict(checkpoint=dict(interval=1000))
