# Supervised schedule of the embedded classification recipes: SGD 0.1 with
# a cosine decay over the whole run (12 epochs of the 4,000 training digits;
# a leaf changes the length with `train_cfg = dict(max_epochs=N)`).
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4))
param_scheduler = dict(type='CosineAnnealingLR', by_epoch=True)
train_cfg = dict(by_epoch=True, max_epochs=12, val_interval=4)
val_cfg = dict()
test_cfg = dict()
