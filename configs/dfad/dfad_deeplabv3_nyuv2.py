# DFAD ablation of configs/ddad/deeplabv3_nyuv2.py: no BN-statistics term.
_base_ = ['../ddad/deeplabv3_nyuv2.py']
model = dict(generator_losses=dict(loss_bn=dict(loss_weight=0.0)))
