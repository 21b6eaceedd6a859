# The NYUv2 student architecture trained with the real images (the "KD with
# data" reference row): MMSeg's DeepLabV3-MobileNetV2-D8 (ImageNet-pretrained
# MobileNetV2), the teacher's recipe otherwise.
#   bash tools/dist_train.sh configs/teachers/deeplabv3_mobilenetv2_4xb2-20k_nyuv2-480x480.py 4
_base_ = [
    '../_base_/models/deeplabv3_mobilenetv2-d8.py',
    '../_base_/datasets/nyuv2.py',
    '../_base_/iter_based_runtime.py',
    '../_base_/schedules/seg_sgd_20k.py',
]
model = dict(
    data_preprocessor=dict(size={{_base_.crop_size}}),
    decode_head=dict(num_classes={{_base_.num_classes}}),
    auxiliary_head=dict(num_classes={{_base_.num_classes}}))
train_dataloader = dict(batch_size=2)
