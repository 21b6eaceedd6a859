# Fast-Datafree as published (Fast-2 with its own terms) on the task of
# fast-ddad_resnet34_resnet18_cifar10.py (README.md).
_base_ = ['./fast-ddad_resnet34_resnet18_cifar10.py']

model = {{_base_.fast_terms}}
