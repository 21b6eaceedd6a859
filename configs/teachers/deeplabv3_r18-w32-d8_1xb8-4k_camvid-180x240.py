# The CPU CamVid teacher: a half-width DeepLabV3-R18-D8 (3.5 M parameters)
# trained FROM SCRATCH (no ImageNet weights: none can be downloaded on the
# machines it was designed for) on the 367 training images at half
# resolution, 4,000 iterations of batch 8 (87 epochs): about 30 minutes on 2
# cores of a CPU with AMX with --amp (bf16), about 55 minutes in fp32.
# Its scores are in docs/en/benchmarks.md; the GPU recipe with an ImageNet
# ResNet-50 is deeplabv3_r50-d8_4xb2-20k_camvid-360x480.py.
#   python tools/dataset_converters/camvid.py data/CamVid -o data/camvid
#   python tools/train.py configs/teachers/deeplabv3_r18-w32-d8_1xb8-4k_camvid-180x240.py --amp
_base_ = [
    '../_base_/models/deeplabv3_r18-w32-d8.py',
    '../_base_/datasets/camvid_180x240.py',
    '../_base_/iter_based_runtime.py',
    '../_base_/schedules/seg_sgd_20k.py',
]
model = dict(data_preprocessor=dict(size={{_base_.crop_size}}))
# from scratch: a higher learning rate than the fine-tuning recipes' 0.01
optim_wrapper = dict(optimizer=dict(lr=0.05))
param_scheduler = dict(end=4000)
train_cfg = dict(max_iters=4000, val_interval=1000)
default_hooks = dict(checkpoint=dict(interval=1000))
