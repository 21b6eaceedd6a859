# Supervised schedule of the embedded segmentation recipes.
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=5e-4))
param_scheduler = dict(
    type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=3000,
    by_epoch=False)
train_cfg = dict(type='IterBasedTrainLoop', max_iters=3000, val_interval=1000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
