# DeepInversion-style ablation (statistics only, no adversarial term) of the
# bank recipe for the third-party CIFAR-10 ResNet-56 -> ResNet-20
# (configs/ddad/ddad_resnet56_resnet20_cifar10-folder_bank.py): the same
# bank, augmentation and 7,500-iteration schedule.
#   python tools/distill.py configs/deepinv/deepinv_resnet56_resnet20_cifar10-folder_bank.py --amp
_base_ = ['../ddad/ddad_resnet56_resnet20_cifar10-folder_bank.py']
model = dict(generator_losses=dict(loss_adv=dict(loss_weight=0.0)))
