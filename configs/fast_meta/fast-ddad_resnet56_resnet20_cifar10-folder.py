# Fast-DDAD on the task of configs/ddad/ddad_resnet56_resnet20_cifar10-folder.py
# (a third-party CIFAR-10 ResNet-56 -> ResNet-20, plain PyTorch; README.md):
# meta synthesis with crops and flips, the replay of the schedule it was
# measured with (ddad_resnet56_resnet20_cifar10-folder_ring.py: the last 6,400
# images, 2,000 iterations; the bank recipe is not measured for Fast-DDAD) as
# its pool.
_base_ = [
    '../ddad/ddad_resnet56_resnet20_cifar10-folder_ring.py',
    '../_base_/models/fast_meta_ddad.py'
]

model = {{_base_.fast_meta_ddad}}
optim_wrapper = {{_base_.fast_meta_optim_wrapper}}
