# Fast-DDAD on the task of configs/ddad/ddad_deeplabv3-r18-w16_r18-w8_mnist-canvas.py (README.md).
_base_ = [
    '../ddad/ddad_deeplabv3-r18-w16_r18-w8_mnist-canvas.py',
    '../_base_/models/fast_meta_ddad.py'
]

model = {{_base_.fast_meta_ddad_embedded}}
optim_wrapper = {{_base_.fast_meta_optim_wrapper}}
