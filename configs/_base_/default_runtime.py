# Runtime shared by every mmddad config (teacher recipes and DDAD runs).
default_scope = 'mmddad'
custom_imports = dict(imports=['mmddad'], allow_failed_imports=False)

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=2),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # a classifier scored on data of another number of classes is an error
    # (before training and at the first batch of each validation and test);
    # `--cfg-options default_hooks.class_count=None` turns it off
    class_count=dict(type='ClassCountCheckHook'),
    # checkpoints load through mmddad's allowlist also when other code
    # builds the runner (`Runner.from_cfg`, MMPretrain's and MMSeg's tools)
    safe_loading=dict(type='SafeLoadingHook'),
)

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='Visualizer', vis_backends=vis_backends)

log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0, deterministic=False)
