# Fast-DDAD on the task of configs/ddad/ddad_resnet18-w16_resnet18-w8_mnist100.py (README.md).
_base_ = [
    '../ddad/ddad_resnet18-w16_resnet18-w8_mnist100.py',
    '../_base_/models/fast_meta_ddad.py'
]

model = {{_base_.fast_meta_ddad_embedded}}
optim_wrapper = {{_base_.fast_meta_optim_wrapper}}
