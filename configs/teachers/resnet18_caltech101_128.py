# ResNet-18 on Caltech101 with the real data ("supervised with data" row).
_base_ = ['./resnet34_caltech101_128.py']
model = dict(backbone=dict(depth=18))
