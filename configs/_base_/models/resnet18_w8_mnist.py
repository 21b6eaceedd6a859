# Student of the embedded task: the same CIFAR ResNet-18 at 1/8 width
# (channels 8-16-32-64), about 1/4 of the teacher's parameters and FLOPs.
_base_ = ['./resnet18_w16_mnist.py']
model = dict(
    backbone=dict(stem_channels=8, base_channels=8),
    head=dict(in_channels=64))
