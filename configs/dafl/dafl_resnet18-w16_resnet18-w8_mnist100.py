# DAFL-like ablation on the 100-class embedded task: DAFL's generator losses
# on DDAD's tuned 100-class settings, one student step per generator step.
_base_ = [
    '../ddad/ddad_resnet18-w16_resnet18-w8_mnist100.py',
    '../_base_/models/dafl.py',
]
model = dict(
    generator_losses={{_base_.dafl_generator_losses}}, student_steps=1)
# an ablation may collapse: that is what it measures (warn, do not stop)
default_hooks = dict(collapse_guard=dict(stop=False))
