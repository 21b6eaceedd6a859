# Runtime of data-free distillation: iteration-based, no training data.
_base_ = ['./default_runtime.py']

default_hooks = dict(
    # validation metrics logged against iterations (no epochs here)
    logger=dict(type='LoggerHook', interval=20, log_metric_by_epoch=False),
    checkpoint=dict(
        type='CheckpointHook', by_epoch=False, interval=100,
        max_keep_ckpts=2, save_last=True),
    # stop a run whose generator froze or whose student fell back to chance
    # (keeps the last checkpoint validated better than chance);
    # `--cfg-options default_hooks.collapse_guard=None` turns it off
    collapse_guard=dict(type='CollapseGuardHook'),
)
log_processor = dict(by_epoch=False)
custom_hooks = [
    dict(type='NonFiniteLossHook'),
    # a grid of generated images with the teacher's predictions, every
    # `interval` iterations, to every visualizer backend (local by default)
    dict(type='SyntheticImageVisualizationHook', interval=100),
    # training seconds (validation excluded) at every validation, written
    # to <work_dir>/val_curve.json: the time-to-quality curve
    dict(type='TrainingClockHook'),
]
# Under DDP (dist_train.sh / slurm_train.sh): one DDP each for the student and
# the generator; the frozen teacher stays unwrapped. Also runs on CPU (gloo).
model_wrapper_cfg = dict(type='mmddad.DataFreeDistributedDataParallel')

# Each leaf config sets `train_dataloader = dict(batch_size=N)`: synthetic
# images per step and per rank, no dataset (the loop hands the model a seeded
# RNG and the model draws its latents on the device).
val_cfg = dict()
test_cfg = dict()
