# A small DeepLabV3 (MMSegmentation EncoderDecoder + ASPP head) for the
# embedded segmentation task: ResNetV1c-18 at 1/4 width, output stride 8,
# grayscale input, BatchNorm everywhere.
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    _scope_='mmseg',
    type='EncoderDecoder',
    backbone=dict(
        type='ResNetV1c',
        depth=18,
        in_channels=1,
        stem_channels=16,
        base_channels=16,
        num_stages=4,
        out_indices=(3, ),
        dilations=(1, 1, 2, 4),
        strides=(1, 2, 1, 1),
        norm_cfg=norm_cfg,
        norm_eval=False,
        contract_dilation=True),
    decode_head=dict(
        type='ASPPHead',
        in_channels=128,
        in_index=0,
        channels=32,
        dilations=(1, 6, 12, 18),
        dropout_ratio=0.1,
        num_classes=11,
        norm_cfg=norm_cfg,
        align_corners=False,
        # background covers ~82% of the pixels: down-weighted, the model
        # leaves the background prior sooner
        loss_decode=dict(
            type='CrossEntropyLoss',
            use_sigmoid=False,
            loss_weight=1.0,
            class_weight=[0.3] + [1.0] * 10)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
