# The student architecture trained with the real data: the "supervised with
# data" upper reference of the results table.
_base_ = [
    '../_base_/models/resnet18_w8_mnist.py',
    '../_base_/datasets/mnist5k.py',
    '../_base_/schedules/mnist5k_supervised.py',
    '../_base_/default_runtime.py',
]
