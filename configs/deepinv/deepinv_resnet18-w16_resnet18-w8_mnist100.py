# DeepInversion-style ablation on the 100-class embedded task: DDAD's tuned
# settings without the adversarial term (statistics only).
_base_ = ['../ddad/ddad_resnet18-w16_resnet18-w8_mnist100.py']
model = dict(generator_losses=dict(loss_adv=dict(loss_weight=0.0)))
