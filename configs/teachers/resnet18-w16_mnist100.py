# Teacher of the 100-class embedded task (two-digit numbers), trained on the
# 10,000 real training composites:
#   python tools/train.py configs/teachers/resnet18-w16_mnist100.py
_base_ = [
    '../_base_/models/resnet18_w16_mnist.py',
    '../_base_/datasets/mnist100.py',
    '../_base_/schedules/mnist5k_supervised.py',
    '../_base_/default_runtime.py',
]
model = dict(head=dict(num_classes=100))
train_cfg = dict(max_epochs=15, val_interval=5)
