# Optimisers of the DFAD lineage (CIFAR): generator Adam 1e-3; student SGD
# 0.1, momentum 0.9, wd 5e-4; both decay x0.1 at 40% and 80% of training.
# Milestones are fractions of the run: a leaf changes its length with one
# line, `train_cfg = dict(max_iters=N)`.
optim_wrapper = dict(
    constructor='PerSubmoduleOptimWrapperConstructor',
    student=dict(
        optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4)),
    generator=dict(optimizer=dict(type='Adam', lr=1e-3, betas=(0.5, 0.999))),
)
param_scheduler = dict(
    type='RelativeMultiStepLR',
    by_epoch=False,
    milestone_ratios=[0.4, 0.8],
    gamma=0.1)
train_cfg = dict(type='DataFreeTrainLoop', max_iters=25000, val_interval=1000)
