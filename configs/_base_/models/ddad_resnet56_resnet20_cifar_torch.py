# DDAD between a teacher and a student that are plain PyTorch code someone
# else wrote:
# the option-A CIFAR-10 ResNet-56 (0.85 M parameters) and ResNet-20 (0.27 M)
# of `git clone https://github.com/akamaster/pytorch_resnet_cifar10
# data/pytorch_resnet_cifar10` (its `resnet.py`; the teacher's weights in
# `pretrained_models/`, a dict {'state_dict', 'best_prec1'} whose keys carry
# DataParallel's `module.`, which the loader removes). The user's file and
# weights stay where the user keeps them: `$RESNET_CIFAR_FILE` and
# `$RESNET_CIFAR_WEIGHTS` (a folder) point elsewhere, as does `--cfg-options
# model.teacher.factory=... model.teacher.checkpoint=...`.
# What the models were trained with: RGB (images load as BGR: to_rgb=True),
# ImageNet's mean/std on the 0-255 scale.
_base_ = ['./ddad.py']
resnet_cifar_file = \
    '{{$RESNET_CIFAR_FILE:data/pytorch_resnet_cifar10/resnet.py}}'
resnet_cifar_preprocessor = dict(
    num_classes=10,
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True)
model = dict(
    teacher=dict(
        type='TorchClassifier',
        factory=resnet_cifar_file + ':resnet56',
        checkpoint='{{$RESNET_CIFAR_WEIGHTS:data/pytorch_resnet_cifar10/pretrained_models}}'  # noqa: E501
        '/resnet56-4bfd9763.th',
        data_preprocessor=resnet_cifar_preprocessor),
    student=dict(
        type='TorchClassifier',
        factory=resnet_cifar_file + ':resnet20',
        data_preprocessor=resnet_cifar_preprocessor),
)
