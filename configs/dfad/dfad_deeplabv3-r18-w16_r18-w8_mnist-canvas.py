# DFAD ablation of the embedded segmentation task (lambda_bn=0).
_base_ = ['../ddad/ddad_deeplabv3-r18-w16_r18-w8_mnist-canvas.py']
model = dict(lambda_bn=0.0)
