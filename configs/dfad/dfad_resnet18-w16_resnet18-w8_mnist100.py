# DFAD (Fang et al., 2019) ablation on the 100-class embedded task: DDAD's
# tuned settings without the BN-statistics discriminator.
_base_ = ['../ddad/ddad_resnet18-w16_resnet18-w8_mnist100.py']
model = dict(generator_losses=dict(loss_bn=dict(loss_weight=0.0)))
# an ablation may collapse: that is what it measures (warn, do not stop)
default_hooks = dict(collapse_guard=dict(stop=False))
