# The with-data reference of the CIFAR-10 distillation: the ResNet-20 learns
# the third-party ResNet-56's logits (the data-free runs' L1 discrepancy, no
# labels) on the 50,000 real training images (crop and flip), with the
# data-free config's student optimiser. 10,000 iterations of batch 64
# (about 13 epochs, 0.15-0.25 s each with --amp): about the training
# minutes of the DDAD config
# (configs/ddad/ddad_resnet56_resnet20_cifar10-folder.py) on the machine of
# docs/en/benchmarks.md ("KD with real data in the same minutes"); the
# learning rate decays at 40 % and 80 %, as there.
#   python tools/train.py \
#       configs/teachers/resnet20_kd-resnet56_cifar10-folder_torch.py --amp
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
    type='MultiStepLR', by_epoch=False, milestones=[4000, 8000], gamma=0.1)
train_cfg = dict(type='IterBasedTrainLoop', max_iters=10000,
                 val_interval=2000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(checkpoint=dict(by_epoch=False, interval=2000))
