# The CPU CamVid student architecture trained with the real images (the
# reference row of the CPU CamVid table): the teacher's recipe
# (deeplabv3_r18-w32-d8_1xb8-4k_camvid-180x240.py) at a quarter of its
# parameters: width 16, ASPP head of 32 channels (0.87 M parameters).
#   python tools/train.py configs/teachers/deeplabv3_r18-w16-d8_1xb8-4k_camvid-180x240.py
_base_ = ['./deeplabv3_r18-w32-d8_1xb8-4k_camvid-180x240.py']
model = dict(
    backbone=dict(stem_channels=16, base_channels=16),
    decode_head=dict(in_channels=128, channels=32))
