# DFAD's segmentation schedule (CamVid, NYUv2): 15k iterations; student SGD
# 0.1 and generator Adam 1e-3 as in the CIFAR lineage, x0.1 at 40% and 80%.
_base_ = ['./data_free_cifar.py']
train_cfg = dict(max_iters=15000)
