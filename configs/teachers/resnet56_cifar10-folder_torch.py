# The third-party CIFAR-10 ResNet-56 (plain PyTorch, `resnet.py` of
# akamaster/pytorch_resnet_cifar10, see
# configs/_base_/models/ddad_resnet56_resnet20_cifar_torch.py) as a model of
# its own, to score it on the CIFAR-10 image folders:
#   python tools/test.py configs/teachers/resnet56_cifar10-folder_torch.py \
#       data/pytorch_resnet_cifar10/pretrained_models/resnet56-4bfd9763.th
_base_ = ['../_base_/models/ddad_resnet56_resnet20_cifar_torch.py',
          '../_base_/datasets/cifar10_folder.py',
          '../_base_/default_runtime.py']
model = dict(
    _delete_=True,
    type='TorchClassifier',
    factory={{_base_.model.teacher.factory}},
    data_preprocessor={{_base_.resnet_cifar_preprocessor}})
test_cfg = dict()
val_cfg = dict()

# training it from scratch on the image folders (the recipe of its authors:
# SGD 0.1, batch 128, 200 epochs, decays at 100 and 150; a GPU job)
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-4))
param_scheduler = dict(
    type='MultiStepLR', by_epoch=True, milestones=[100, 150], gamma=0.1)
train_cfg = dict(by_epoch=True, max_epochs=200, val_interval=10)
