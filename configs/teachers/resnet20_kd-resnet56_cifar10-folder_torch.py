# The with-data reference of the CIFAR-10 distillation: the ResNet-20 learns
# the third-party ResNet-56's logits (the data-free runs' L1 discrepancy, no
# labels) on the 50,000 real training images (crop and flip), with the
# data-free config's student optimiser. Stop it after the minutes a
# data-free run took ("KD with real data in the same minutes").
#   python tools/train.py configs/teachers/resnet20_kd-resnet56_cifar10-folder_torch.py
_base_ = [
    '../_base_/models/ddad_resnet56_resnet20_cifar_torch.py',
    '../_base_/datasets/cifar10_folder.py',
    '../_base_/iter_based_runtime.py',
]
model = dict(
    _delete_=True,
    type='DataKD',
    teacher={{_base_.model.teacher}},
    student={{_base_.model.student}},
    discrepancy=dict(type='LogitsL1Loss'))
train_dataloader = dict(batch_size=64)
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4))
param_scheduler = dict(
    type='MultiStepLR', by_epoch=False, milestones=[160, 320], gamma=0.1)
train_cfg = dict(type='IterBasedTrainLoop', max_iters=400, val_interval=100)
default_hooks = dict(checkpoint=dict(by_epoch=False, interval=100))
