# DFAD ablation of configs/ddad/deeplabv3_camvid.py: no BN-statistics term.
_base_ = ['../ddad/deeplabv3_camvid.py']
model = dict(lambda_bn=0.0)
