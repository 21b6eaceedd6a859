# Fast-DDAD on the task of configs/ddad/ddad_resnet34_resnet18_cifar100.py (README.md).
_base_ = [
    '../ddad/ddad_resnet34_resnet18_cifar100.py',
    '../_base_/models/fast_meta_ddad.py'
]

model = {{_base_.fast_meta_ddad_with_pool}}
optim_wrapper = {{_base_.fast_meta_optim_wrapper}}
