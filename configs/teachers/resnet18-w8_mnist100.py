# The student architecture of the 100-class embedded task trained with the
# real composites: the "supervised with data" reference of its table.
_base_ = [
    '../_base_/models/resnet18_w8_mnist.py',
    '../_base_/datasets/mnist100.py',
    '../_base_/schedules/mnist5k_supervised.py',
    '../_base_/default_runtime.py',
]
model = dict(head=dict(num_classes=100))
train_cfg = dict(max_epochs=15, val_interval=5)
