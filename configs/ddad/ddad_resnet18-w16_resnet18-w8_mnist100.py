# DDAD on the 100-class embedded task (two-digit numbers): the ResNet-18 (1/4
# width) teacher -> ResNet-18 at 1/8 width, without a single training image.
# Inherits the MNIST-5k config; only the task and the tuned settings differ.
#   python tools/train.py configs/teachers/resnet18-w16_mnist100.py   # teacher
#   python tools/distill.py configs/ddad/ddad_resnet18-w16_resnet18-w8_mnist100.py
_base_ = ['./ddad_resnet18-w16_resnet18-w8_mnist5k.py']

# Tuned on this task (seed 0, grid in docs/en/tuning.md): the BN term
# averaged over the teacher's BN layers (its scale no longer grows with the
# teacher's depth) and 700 iterations whose learning rates decay at 420 and
# 630: the first phase keeps the ~400 iterations the generator needs, the
# later ones are shorter (a run fits 15 min on 2 CPU cores). Replay of past
# images with their cached teacher logits (half the time per iteration) comes
# from the MNIST-5k config: every student batch is drawn from the last 6,400
# generated images.
model = dict(
    teacher=dict(
        cfg_path='{{fileDirname}}/../teachers/resnet18-w16_mnist100.py',
        checkpoint='work_dirs/resnet18-w16_mnist100/epoch_15.pth'),
    student=dict(
        cfg_path='{{fileDirname}}/../teachers/resnet18-w8_mnist100.py'),
    generator_losses=dict(
        loss_bn=dict(layer_reduction='mean', loss_weight=5.0)),
)
train_cfg = dict(max_iters=700, val_interval=50)
param_scheduler = dict(milestone_ratios=[0.6, 0.9])

val_dataloader = dict(dataset=dict(type='MNIST100'))
test_dataloader = dict(dataset=dict(type='MNIST100'))
