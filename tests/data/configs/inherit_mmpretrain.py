# A config of this repo that inherits an MMPretrain model config.
_base_ = ['mmpretrain::_base_/models/resnet18_cifar.py']
default_scope = 'mmddad'
model = dict(head=dict(num_classes=7))
