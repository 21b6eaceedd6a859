# DDAD on Cityscapes with the MMSegmentation model-zoo teacher as it is:
# DeepLabV3-R50-D8 (79.32 mIoU, 80k schedule) -> DeepLabV3-MobileNetV2-D8 from
# scratch (the zoo's MobileNetV2 model, trained with data, has 73.84).
# DFAD's segmentation setting (128x128 synthetic crops, batch 64, 15k
# iterations). Only the 500 val images are read (data/cityscapes, as MMSeg).
#   bash tools/dist_train.sh configs/ddad/deeplabv3_r50-d8_mobilenetv2_cityscapes.py 8
_base_ = [
    '../_base_/models/ddad_seg.py',
    'mmseg::_base_/datasets/cityscapes.py',
    '../_base_/schedules/data_free_seg.py',
    '../_base_/data_free_runtime.py',
]

model = dict(
    teacher=dict(
        cfg_path='mmseg::deeplabv3/'
        'deeplabv3_r50-d8_4xb2-80k_cityscapes-512x1024.py',
        checkpoint='https://download.openmmlab.com/mmsegmentation/v0.5/'
        'deeplabv3/deeplabv3_r50-d8_512x1024_80k_cityscapes/'
        'deeplabv3_r50-d8_512x1024_80k_cityscapes_20200606_113404-b92cfdd4'
        '.pth'),
    student=dict(
        cfg_path='mmseg::mobilenet_v2/'
        'mobilenet-v2-d8_deeplabv3_4xb2-80k_cityscapes-512x1024.py'),
)

# synthetic crops per step and per GPU: no dataset (data-free)
train_dataloader = dict(_delete_=True, batch_size=64)
default_hooks = dict(checkpoint=dict(interval=1000))
