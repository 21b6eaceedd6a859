# DDAD with a teacher someone else trained, as plain PyTorch code: the
# third-party CIFAR-10 ResNet-56 (0.85 M parameters) -> ResNet-20 (0.27 M)
# from scratch, both built by the user's own file (TorchClassifier). Only the
# 10,000 test images are read (evaluation).
#   python tools/train.py configs/ddad/ddad_resnet56_resnet20_cifar10-folder.py
#
# A schedule for 2 CPU cores (tools/benchmark.py, docs/en/benchmarks.md): one
# teacher forward+backward of a 128-image batch costs about 5 s there, a
# student step about 2.5 s, so batches of 64, 3 student steps per generator
# step, each on replayed images with their cached teacher logits (no
# generator or teacher forward in a student step), channels-last memory, and
# 2,000 iterations (about an hour). On GPUs, raise the batch (256) and the iterations (25k) as
# the published CIFAR schedules do.
_base_ = [
    '../_base_/models/ddad_resnet56_resnet20_cifar_torch.py',
    '../_base_/datasets/cifar10_folder.py',
    '../_base_/schedules/data_free_cifar.py',
    '../_base_/data_free_runtime.py',
]

model = dict(
    generator=dict(
        type='DCGANGenerator', latent_dim=128, out_size=32, out_channels=3,
        base_channels=64, min_channels=32),
    student_steps=3,
    # the last 100 generator steps' images, float16 (38 MiB)
    replay=dict(capacity=6400, ratio=1.0, dtype='float16'),
    channels_last=True,
)

train_dataloader = dict(_delete_=True, batch_size=64)
train_cfg = dict(max_iters=2000, val_interval=200)
default_hooks = dict(
    checkpoint=dict(interval=200),
    ema=dict(type='DataFreeEMAHook', momentum=0.1, update_buffers=False))
