# The segmentation student's architecture trained with the real canvases
# (the "with data" reference): the teacher recipe at half the width.
_base_ = ['./deeplabv3_r18-w16_mnist-canvas.py']
model = dict(
    backbone=dict(stem_channels=8, base_channels=8),
    decode_head=dict(in_channels=64, channels=16))
