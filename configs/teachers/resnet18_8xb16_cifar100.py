# ResNet-18 on CIFAR-100 with the real data: the "KD/supervised with data"
# reference of the CIFAR-100 row.
_base_ = ['./resnet34_8xb16_cifar100.py']
model = dict(backbone=dict(depth=18))
