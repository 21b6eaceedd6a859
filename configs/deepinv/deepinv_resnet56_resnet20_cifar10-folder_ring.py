# DeepInversion-style ablation (statistics only, no adversarial term) on the
# earlier CIFAR-10 folder schedule (configs/ddad/ddad_resnet56_resnet20_cifar10-folder_ring.py:
# a ring of the last 6,400 images, no augmentation, 2,000 iterations), the
# one its 3-seed table in docs/en/benchmarks.md was measured with.
_base_ = ['../ddad/ddad_resnet56_resnet20_cifar10-folder_ring.py']
model = dict(generator_losses=dict(loss_adv=dict(loss_weight=0.0)))
