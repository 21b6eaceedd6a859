# DDAD on the embedded task: the MNIST-5k ResNet-18 (1/4 width) teacher ->
# a ResNet-18 at 1/8 width, without a single training image.
#   python tools/train.py configs/teachers/resnet18-w16_mnist5k.py   # teacher
#   python tools/train.py configs/ddad/ddad_resnet18-w16_resnet18-w8_mnist5k.py
_base_ = [
    '../_base_/models/ddad.py',
    '../_base_/datasets/mnist5k.py',
    '../_base_/schedules/data_free_cifar.py',
    '../_base_/data_free_runtime.py',
]

teacher_checkpoint = 'work_dirs/resnet18-w16_mnist5k/epoch_12.pth'

model = dict(
    teacher=dict(
        cfg_path='{{fileDirname}}/../teachers/resnet18-w16_mnist5k.py',
        checkpoint=teacher_checkpoint),
    student=dict(cfg_path='{{fileDirname}}/../teachers/resnet18-w8_mnist5k.py'),
    generator=dict(
        type='DCGANGenerator',
        latent_dim=128,
        out_size=32,
        out_channels=1,
        base_channels=64,
        min_channels=16),
    # student steps replay the last 100 generator steps' images with their
    # cached teacher logits (float16: 14 MiB): no generator or teacher
    # forward in a student step; the same student in about half the time
    # (measured in docs/en/tuning.md)
    replay=dict(capacity=6400, ratio=1.0, dtype='float16'),
)

# synthetic images per step (and per GPU); no dataset: data-free
train_dataloader = dict(_delete_=True, batch_size=64)
train_cfg = dict(max_iters=400, val_interval=100)
default_hooks = dict(
    checkpoint=dict(interval=100),
    # validate, test and save an exponential moving average of the networks'
    # weights (MMEngine's EMAHook, which DataFreeEMAHook also resumes under
    # DDP; the trained weights stay in the checkpoint's `ema_state_dict`):
    # the student reaches the same accuracy sooner (docs/en/tuning.md).
    # `--cfg-options default_hooks.ema=None` turns it off.
    ema=dict(type='DataFreeEMAHook', momentum=0.1, update_buffers=False))
