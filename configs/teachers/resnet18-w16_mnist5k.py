# The embedded task's teacher, trained on the 4,000 real training digits:
#   python tools/train.py configs/teachers/resnet18-w16_mnist5k.py
_base_ = [
    '../_base_/models/resnet18_w16_mnist.py',
    '../_base_/datasets/mnist5k.py',
    '../_base_/schedules/mnist5k_supervised.py',
    '../_base_/default_runtime.py',
]
