# A config of this repo that inherits an MMSegmentation model config.
_base_ = ['mmseg::_base_/models/deeplabv3_r50-d8.py']
default_scope = 'mmddad'
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    pretrained=None,
    backbone=dict(depth=18, norm_cfg=norm_cfg),
    decode_head=dict(in_channels=512, channels=32, num_classes=5,
                     norm_cfg=norm_cfg),
    auxiliary_head=None)
