# The embedded segmentation student: the same DeepLabV3 at half its width.
_base_ = ['./deeplabv3_r18-w16_canvas.py']
model = dict(
    backbone=dict(stem_channels=8, base_channels=8),
    decode_head=dict(in_channels=64, channels=16))
