# DDAD on ImageNet-1k: the MMPretrain model-zoo ResNet-50 (76.55 top-1) ->
# ResNet-18 from scratch, on 224x224 synthetic images, 8 GPUs x 32 images.
# Only the 50,000 validation images are read (put ImageNet under
# data/imagenet as MMPretrain expects; no training image is used).
#   bash tools/dist_train.sh configs/ddad/ddad_resnet50_resnet18_8xb32_in1k.py 8
#
# Choices (not yet measured with this config):
# - batch 32 per GPU, 256 in all: the batch of the DFAD lineage and of
#   MMPretrain's ResNet ImageNet recipes, whose student lr 0.1 goes with it
#   (another GPU count: scale the student lr linearly with the global batch);
# - 100k iterations of 5 student steps: 128 M synthetic student images,
#   the images of MMPretrain's 100-epoch ResNet-18 recipe (1.28 M x 100);
#   the learning rates decay x0.1 at 40 % and 80 % (the CIFAR schedule);
# - a wider generator than the CIFAR one for 1,000 classes at 224 px
#   (7x7 -> 5 upsampling stages of 256 ... 64 channels, 4.3 M parameters),
#   the statistics term over ResNet-50's 53 BN layers.
_base_ = [
    '../_base_/models/ddad.py',
    'mmpretrain::_base_/datasets/imagenet_bs32.py',
    '../_base_/schedules/data_free_cifar.py',
    '../_base_/data_free_runtime.py',
]

model = dict(
    teacher=dict(
        cfg_path='mmpretrain::resnet/resnet50_8xb32_in1k.py',
        checkpoint='https://download.openmmlab.com/mmclassification/v0/'
        'resnet/resnet50_8xb32_in1k_20210831-ea4938fc.pth'),
    student=dict(cfg_path='mmpretrain::resnet/resnet18_8xb32_in1k.py'),
    generator=dict(
        type='DCGANGenerator',
        latent_dim=256,
        out_size=224,
        out_channels=3,
        base_channels=256,
        min_channels=64,
        min_init_size=7),
    channels_last=True,
)

train_dataloader = dict(_delete_=True, batch_size=32)  # synthetic, per GPU
train_cfg = dict(max_iters=100000, val_interval=5000)
default_hooks = dict(checkpoint=dict(interval=5000))
