# DFAD ablation of configs/ddad/deeplabv3_nyuv2.py: no BN-statistics term.
_base_ = ['../ddad/deeplabv3_nyuv2.py']
model = dict(generator_losses=dict(loss_bn=dict(loss_weight=0.0)))
# an ablation may collapse: that is what it measures (warn, do not stop)
default_hooks = dict(collapse_guard=dict(stop=False))
