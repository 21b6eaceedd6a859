# A deeper teacher for the embedded task: MMPretrain's CIFAR ResNet-50 at 1/4
# width (bottleneck blocks, 53 BatchNorm layers against ResNet-18's 20), the
# same data and schedule. It checks that DDAD's default weights hold for a
# teacher of another depth (docs/en/tuning.md, "One set of weights for
# every task"):
#   python tools/train.py configs/teachers/resnet50-w16_mnist5k.py
_base_ = ['./resnet18-w16_mnist5k.py']
model = dict(
    backbone=dict(depth=50),
    head=dict(in_channels=512))  # 128 x the bottleneck's expansion of 4
