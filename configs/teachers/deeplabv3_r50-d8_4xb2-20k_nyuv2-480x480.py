# DeepLabV3-R50-D8 teacher on NYUv2 (13 classes; the MMSegmentation zoo has
# none): MMSeg's DeepLabV3 with an ImageNet-pretrained ResNet-50 (downloaded
# by MMSeg), 4 GPUs x 2 crops of 480x480. Data: tools/dataset_converters/nyuv2.py
#   bash tools/dist_train.sh configs/teachers/deeplabv3_r50-d8_4xb2-20k_nyuv2-480x480.py 4
_base_ = [
    'mmseg::_base_/models/deeplabv3_r50-d8.py',
    '../_base_/datasets/nyuv2.py',
    '../_base_/iter_based_runtime.py',
    '../_base_/schedules/seg_sgd_20k.py',
]
model = dict(
    data_preprocessor=dict(size={{_base_.crop_size}}),
    decode_head=dict(num_classes={{_base_.num_classes}}),
    auxiliary_head=dict(num_classes={{_base_.num_classes}}))
train_dataloader = dict(batch_size=2)
