# DeepInversion-style ablation of the third-party CIFAR-10 ResNet-56 ->
# ResNet-20 (plain PyTorch) config: statistics only, no adversarial term, on
# DDAD's bank recipe (the same bank, augmentation and 7,500-iteration
# schedule).
#   python tools/distill.py configs/deepinv/deepinv_resnet56_resnet20_cifar10-folder.py --amp
_base_ = ['../ddad/ddad_resnet56_resnet20_cifar10-folder.py']
model = dict(generator_losses=dict(loss_adv=dict(loss_weight=0.0)))
