# DeepInversion-style ablation: the generator only matches the teacher's BN
# statistics (no adversarial term).
_base_ = ['../ddad/ddad_resnet18-w16_resnet18-w8_mnist5k.py']
model = dict(generator_losses=dict(loss_adv=dict(loss_weight=0.0)))
