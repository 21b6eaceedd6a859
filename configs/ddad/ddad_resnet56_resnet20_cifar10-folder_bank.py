# The bank recipe with cached teacher logits, as measured over 120 minutes
# (docs/en/benchmarks.md: 67.48 top-1, seed 0, 108 training minutes on 2
# CPU cores): the default of ddad_resnet56_resnet20_cifar10-folder.py but
# student batches keep the logits of the stored, uncropped images
# (`relabel=False`: no teacher forward in student steps, about 20 % less time
# per iteration), a bank of 320,000 images with their logits (the last
# 5,000 of the 7,500 iterations; 1.83 GiB).
#   python tools/distill.py configs/ddad/ddad_resnet56_resnet20_cifar10-folder_bank.py --amp
_base_ = ['./ddad_resnet56_resnet20_cifar10-folder.py']

model = dict(
    replay=dict(capacity=320000),
    augment=dict(relabel=False),
)
train_cfg = dict(max_iters=7500)
