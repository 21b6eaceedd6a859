# DDAD on CIFAR-100: ResNet-34 teacher (train it first with
# configs/teachers/resnet34_8xb16_cifar100.py) -> ResNet-18 from scratch.
#   python tools/train.py configs/ddad/ddad_resnet34_resnet18_cifar100.py
_base_ = [
    '../_base_/models/ddad.py',
    'mmpretrain::_base_/datasets/cifar100_bs16.py',
    '../_base_/schedules/data_free_cifar.py',
    '../_base_/data_free_runtime.py',
]

model = dict(
    teacher=dict(
        cfg_path='{{fileDirname}}/../teachers/resnet34_8xb16_cifar100.py',
        checkpoint='work_dirs/resnet34_8xb16_cifar100/epoch_200.pth'),
    student=dict(
        cfg_path='{{fileDirname}}/../teachers/resnet18_8xb16_cifar100.py'),
    generator=dict(
        type='DCGANGenerator', latent_dim=256, out_size=32, out_channels=3),
    # channels-last: the CIFAR-10 config's networks at the same size run
    # 1.43x faster in fp32 on a GPU with it (README, "On a GPU")
    channels_last=True,
)

train_dataloader = dict(_delete_=True, batch_size=256)  # synthetic, per GPU
val_dataloader = dict(batch_size=256)
test_dataloader = dict(batch_size=256)
default_hooks = dict(checkpoint=dict(interval=1000))
