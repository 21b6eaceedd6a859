# DFAD's segmentation schedule (CamVid, NYUv2): 15k iterations; student SGD
# 0.1 and generator Adam 1e-3 as in the CIFAR lineage, x0.1 at 40% and 80%.
_base_ = ['./data_free_cifar.py']
max_iters = 15000
param_scheduler = dict(
    type='MultiStepLR',
    by_epoch=False,
    milestones=[int(max_iters * 0.4), int(max_iters * 0.8)],
    gamma=0.1)
train_cfg = dict(
    type='DataFreeTrainLoop', max_iters=max_iters, val_interval=1000)
