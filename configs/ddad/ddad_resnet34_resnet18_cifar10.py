# DDAD on CIFAR-10: the MMPretrain model-zoo ResNet-34 (95.34 top-1) ->
# ResNet-18 from scratch, the DFAD-lineage CIFAR schedule (batch 256,
# 25k iterations). Only the 10,000 test images are read (evaluation);
# put CIFAR-10 under data/cifar10 as MMPretrain expects.
#   python tools/train.py configs/ddad/ddad_resnet34_resnet18_cifar10.py
#   bash tools/dist_train.sh configs/ddad/ddad_resnet34_resnet18_cifar10.py 8
_base_ = [
    '../_base_/models/ddad.py',
    'mmpretrain::_base_/datasets/cifar10_bs16.py',
    '../_base_/schedules/data_free_cifar.py',
    '../_base_/data_free_runtime.py',
]

model = dict(
    teacher=dict(
        cfg_path='mmpretrain::resnet/resnet34_8xb16_cifar10.py',
        checkpoint='https://download.openmmlab.com/mmclassification/v0/'
        'resnet/resnet34_b16x8_cifar10_20210528-a8aa36a6.pth'),
    student=dict(cfg_path='mmpretrain::resnet/resnet18_8xb16_cifar10.py'),
    generator=dict(
        type='DCGANGenerator', latent_dim=256, out_size=32, out_channels=3),
    # channels-last: 108 instead of 155 ms per iteration in fp32 on one
    # H200 (tools/benchmark.py --random-teacher; README, "On a GPU")
    channels_last=True,
)

# synthetic images per step and per GPU: no dataset (data-free)
train_dataloader = dict(_delete_=True, batch_size=256)
val_dataloader = dict(batch_size=256)
test_dataloader = dict(batch_size=256)
default_hooks = dict(checkpoint=dict(interval=1000))
