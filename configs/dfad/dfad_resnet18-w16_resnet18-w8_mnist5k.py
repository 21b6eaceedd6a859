# DFAD (Fang et al., 2019) ablation: DDAD without the BN-statistics
# discriminator, everything else unchanged.
_base_ = ['../ddad/ddad_resnet18-w16_resnet18-w8_mnist5k.py']
model = dict(generator_losses=dict(loss_bn=dict(loss_weight=0.0)))
# an ablation may collapse: that is what it measures (warn, do not stop)
default_hooks = dict(collapse_guard=dict(stop=False))
