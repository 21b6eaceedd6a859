# The floor: plain KD on Gaussian-noise inputs (no generator training).
_base_ = [
    '../ddad/ddad_resnet18-w16_resnet18-w8_mnist100.py',
    '../_base_/models/noise_kd.py',
]
model = {{_base_.noise_kd_model}}
optim_wrapper = dict(generator=None)
# an ablation may collapse: that is what it measures (warn, do not stop)
default_hooks = dict(collapse_guard=dict(stop=False))
