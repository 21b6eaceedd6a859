# Runtime of data-free distillation: iteration-based, no training data.
_base_ = ['./default_runtime.py']

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=20),
    checkpoint=dict(
        type='CheckpointHook', by_epoch=False, interval=100,
        max_keep_ckpts=2, save_last=True),
)
log_processor = dict(by_epoch=False)

# The "data" of training: synthetic images per step and per rank. No
# dataset: the loop hands the model a seeded RNG and the model draws latents.
train_dataloader = dict(batch_size=256)
val_cfg = dict()
test_cfg = dict()
