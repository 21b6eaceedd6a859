# ResNet-34 teacher on CIFAR-100 (the MMPretrain zoo has none), trained
# with MMPretrain's CIFAR recipe:
#   bash tools/dist_train.sh configs/teachers/resnet34_8xb16_cifar100.py 8
_base_ = [
    'mmpretrain::_base_/models/resnet34_cifar.py',
    'mmpretrain::_base_/datasets/cifar100_bs16.py',
    'mmpretrain::_base_/schedules/cifar10_bs128.py',
    'mmpretrain::_base_/default_runtime.py',
]
model = dict(head=dict(num_classes=100))
