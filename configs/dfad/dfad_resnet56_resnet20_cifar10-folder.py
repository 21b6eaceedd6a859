# DFAD (Fang et al., 2019) ablation of the third-party CIFAR-10 ResNet-56 ->
# ResNet-20 (plain PyTorch) config: no BN-statistics discriminator, on the
# schedule it was measured with (the ring of the last 6,400 images, 2,000
# iterations; the bank recipe is not measured for DFAD).
_base_ = ['../ddad/ddad_resnet56_resnet20_cifar10-folder_ring.py']
model = dict(generator_losses=dict(loss_bn=dict(loss_weight=0.0)))
# an ablation may collapse: that is what it measures (warn, do not stop)
default_hooks = dict(collapse_guard=dict(stop=False))
