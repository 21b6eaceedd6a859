# DFAD ablation of the CPU CamVid config
# (configs/ddad/deeplabv3-r18-w32_r18-w16_camvid-180x240_cpu.py): no
# BN-statistics term.
_base_ = ['../ddad/deeplabv3-r18-w32_r18-w16_camvid-180x240_cpu.py']
model = dict(generator_losses=dict(loss_bn=dict(loss_weight=0.0)))
# an ablation may collapse: that is what it measures (warn, do not stop)
default_hooks = dict(collapse_guard=dict(stop=False))
