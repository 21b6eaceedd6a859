# DAFL-like ablation (Chen et al., 2019): DAFL's three generator losses, no
# BN statistics, one student step per generator step.
_base_ = [
    '../ddad/ddad_resnet18-w16_resnet18-w8_mnist5k.py',
    '../_base_/models/dafl.py',
]
model = dict(
    generator_losses={{_base_.dafl_generator_losses}}, student_steps=1)
# an ablation may collapse: that is what it measures (warn, do not stop)
default_hooks = dict(collapse_guard=dict(stop=False))
