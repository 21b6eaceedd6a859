# DDAD on NYUv2 without its training images: the DeepLabV3-R50-D8 teacher
# (train it first with its recipe in configs/teachers/) -> DeepLabV3-
# MobileNetV2-D8 from scratch. DFAD's segmentation setting as the starting
# point: 128x128 synthetic crops, batch 64, 15k iterations, student SGD 0.1,
# bounded generator term -log(1 + d). Only the test split (654 images) is read.
#   python tools/train.py configs/teachers/deeplabv3_r50-d8_4xb2-20k_nyuv2-480x480.py
#   python tools/train.py configs/ddad/deeplabv3_nyuv2.py
#   bash tools/dist_train.sh configs/ddad/deeplabv3_nyuv2.py 8
_base_ = [
    '../_base_/models/ddad_seg.py',
    '../_base_/datasets/nyuv2.py',
    '../_base_/schedules/data_free_seg.py',
    '../_base_/data_free_runtime.py',
]

model = dict(
    teacher=dict(
        cfg_path='{{fileDirname}}/../teachers/'
        'deeplabv3_r50-d8_4xb2-20k_nyuv2-480x480.py',
        checkpoint='work_dirs/deeplabv3_r50-d8_4xb2-20k_nyuv2-480x480/'
        'iter_20000.pth'),
    student=dict(cfg_path='{{fileDirname}}/../teachers/'
                 'deeplabv3_mobilenetv2_4xb2-20k_nyuv2-480x480.py'),
)

# synthetic crops per step and per GPU: no dataset (data-free)
train_dataloader = dict(_delete_=True, batch_size=64)
default_hooks = dict(checkpoint=dict(interval=1000))
