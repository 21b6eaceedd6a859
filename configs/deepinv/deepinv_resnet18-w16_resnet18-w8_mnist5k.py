# DeepInversion-style ablation: the generator only matches the teacher's BN
# statistics (no adversarial term).
_base_ = ['../ddad/ddad_resnet18-w16_resnet18-w8_mnist5k.py']
model = dict(lambda_adv=0.0)
