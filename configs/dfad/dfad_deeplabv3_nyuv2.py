# DFAD ablation of configs/ddad/deeplabv3_nyuv2.py: no BN-statistics term.
_base_ = ['../ddad/deeplabv3_nyuv2.py']
model = dict(lambda_bn=0.0)
