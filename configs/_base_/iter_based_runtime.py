# Runtime of the iteration-based supervised recipes (segmentation teachers
# and "with data" students): logs, checkpoints and metrics by iteration.
_base_ = ['./default_runtime.py']
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    checkpoint=dict(
        type='CheckpointHook', by_epoch=False, interval=2000,
        max_keep_ckpts=1, save_last=True))
log_processor = dict(by_epoch=False)
