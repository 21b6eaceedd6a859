# KD with the real images, the with-data reference of the CPU CamVid
# distillation: the width-16 student learns the CPU teacher's per-pixel
# logits (the data-free runs' L1 discrepancy, no labels read) on the 367
# real training images, with the student recipe's crops, optimiser and
# learning rate. 3,000 iterations: about the training minutes of the DDAD
# config (configs/ddad/deeplabv3-r18-w32_r18-w16_camvid-180x240_cpu.py) on
# the machine of docs/en/benchmarks.md.
#   python tools/train.py configs/teachers/deeplabv3_r18-w16-d8_kd-r18-w32_camvid-180x240.py --amp
_base_ = ['./deeplabv3_r18-w16-d8_1xb8-4k_camvid-180x240.py']
model = dict(
    _delete_=True,
    type='DataKD',
    teacher=dict(
        cfg_path='{{fileDirname}}/'
        'deeplabv3_r18-w32-d8_1xb8-4k_camvid-180x240.py',
        checkpoint='work_dirs/deeplabv3_r18-w32-d8_1xb8-4k_camvid-180x240/'
        'iter_4000.pth'),
    student=dict(cfg_path='{{fileDirname}}/'
                 'deeplabv3_r18-w16-d8_1xb8-4k_camvid-180x240.py'),
    discrepancy=dict(type='LogitsL1Loss'))
param_scheduler = dict(end=3000)
train_cfg = dict(max_iters=3000)
