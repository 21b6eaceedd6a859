# DDAD on Caltech101 at 128x128: ResNet-34 teacher (train it first with
# configs/teachers/resnet34_caltech101_128.py) -> ResNet-18 from scratch.
_base_ = [
    '../_base_/models/ddad.py',
    '../_base_/datasets/caltech101_128.py',
    '../_base_/schedules/data_free_cifar.py',
    '../_base_/data_free_runtime.py',
]

model = dict(
    teacher=dict(
        cfg_path='{{fileDirname}}/../teachers/resnet34_caltech101_128.py',
        checkpoint='work_dirs/resnet34_caltech101_128/epoch_200.pth'),
    student=dict(
        cfg_path='{{fileDirname}}/../teachers/resnet18_caltech101_128.py'),
    generator=dict(
        type='DCGANGenerator', latent_dim=256, out_size=128, out_channels=3),
)

train_dataloader = dict(_delete_=True, batch_size=64)  # synthetic, per GPU
default_hooks = dict(checkpoint=dict(interval=1000))
