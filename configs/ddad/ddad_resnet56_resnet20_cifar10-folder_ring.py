# DDAD with a teacher someone else trained, as plain PyTorch code: the
# third-party CIFAR-10 ResNet-56 (0.85 M parameters) -> ResNet-20 (0.27 M)
# from scratch, both built by the user's own file (TorchClassifier). Only the
# 10,000 test images are read (evaluation).
#
# The earlier schedule, before the bank recipe
# (ddad_resnet56_resnet20_cifar10-folder.py, its child) became the default:
# batches of 64, 10 student steps per generator step, all on replayed
# images (a ring of the last 100 generator steps' images), channels-last
# memory, 2,000 iterations; on a CPU with bf16 add `--amp`. The tables
# measured with it (docs/en/benchmarks.md, CIFAR-10: a third-party teacher)
# and the DFAD and Fast-DDAD configs of this task use it.
#   python tools/distill.py configs/ddad/ddad_resnet56_resnet20_cifar10-folder_ring.py --amp
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
    student_steps=10,
    # the last 100 generator steps' images, float16 (38 MiB)
    replay=dict(capacity=6400, ratio=1.0, dtype='float16'),
    channels_last=True,
)

train_dataloader = dict(_delete_=True, batch_size=64)
train_cfg = dict(max_iters=2000, val_interval=200)
default_hooks = dict(
    checkpoint=dict(interval=200),
    ema=dict(type='DataFreeEMAHook', momentum=0.1, update_buffers=False))
