# DFAD ablation of the embedded segmentation task (no BN-statistics term).
_base_ = ['../ddad/ddad_deeplabv3-r18-w16_r18-w8_mnist-canvas.py']
model = dict(generator_losses=dict(loss_bn=dict(loss_weight=0.0)))
# an ablation may collapse: that is what it measures (warn, do not stop)
default_hooks = dict(collapse_guard=dict(stop=False))
