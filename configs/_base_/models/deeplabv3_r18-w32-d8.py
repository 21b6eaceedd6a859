# A DeepLabV3 a CPU trains from scratch: the embedded task's DeepLabV3
# (MMSegmentation EncoderDecoder, ResNetV1c-18, output stride 8, ASPP head,
# BatchNorm everywhere) at half width (stem and first stage 32 channels, an
# ASPP head of 64 channels) on RGB input normalised with ImageNet's
# mean/std, plain cross-entropy. 3.5 M parameters. The student of the CPU
# CamVid configs is the same at a quarter of the parameters (width 16, head
# 32): configs/teachers/deeplabv3_r18-w16-d8_1xb8-4k_camvid-180x240.py.
_base_ = ['./deeplabv3_r18-w16_canvas.py']
model = dict(
    data_preprocessor=dict(
        type='SegDataPreProcessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_val=0,
        seg_pad_val=255),
    backbone=dict(in_channels=3, stem_channels=32, base_channels=32),
    decode_head=dict(
        in_channels=256,
        channels=64,
        loss_decode=dict(_delete_=True, type='CrossEntropyLoss',
                         use_sigmoid=False, loss_weight=1.0)))
