# DDAD on CamVid on a CPU: configs/ddad/deeplabv3_camvid.py with the CPU
# teacher (a half-width DeepLabV3-R18-D8 trained from scratch at 180x240,
# configs/teachers/deeplabv3_r18-w32-d8_1xb8-4k_camvid-180x240.py) -> the same
# at a quarter of its parameters (width 16), from scratch. Validation and
# test at half resolution, scored against the 360x480 labels.
#   python tools/train.py configs/teachers/deeplabv3_r18-w32-d8_1xb8-4k_camvid-180x240.py
#   python tools/distill.py configs/ddad/deeplabv3-r18-w32_r18-w16_camvid-180x240_cpu.py --amp
#
# Synthetic crops of 96x128: the street scenes' 3:4 aspect at about half the
# teacher's training crop (DFAD draws 128x128 crops for a 360x480 teacher),
# so a generator step costs what a CPU can afford; batches of 16; student
# steps on replayed crops with their cached per-pixel teacher logits (no
# generator or teacher forward), as the CIFAR-10 CPU config does.
_base_ = ['./deeplabv3_camvid.py']

model = dict(
    teacher=dict(
        cfg_path='{{fileDirname}}/../teachers/'
        'deeplabv3_r18-w32-d8_1xb8-4k_camvid-180x240.py',
        checkpoint='work_dirs/deeplabv3_r18-w32-d8_1xb8-4k_camvid-180x240/'
        'iter_4000.pth'),
    student=dict(cfg_path='{{fileDirname}}/../teachers/'
                 'deeplabv3_r18-w16-d8_1xb8-4k_camvid-180x240.py'),
    generator=dict(latent_dim=128, out_size=(96, 128), base_channels=64,
                   min_channels=32),
    student_steps=5,
    # the last 100 generator steps' crops and per-pixel logits, float16
    # (525 MiB)
    replay=dict(capacity=1600, ratio=1.0, dtype='float16'),
    channels_last=True,
)
train_dataloader = dict(_delete_=True, batch_size=16)
train_cfg = dict(max_iters=1500, val_interval=250)
default_hooks = dict(checkpoint=dict(interval=250))

# validation and test at the teacher's resolution. The validations score
# the test split (233 images), the split tools/distill.py scores the teacher
# and the final student on, so the time to 0.8 x teacher compares like with
# like; nothing is selected on them (the final student is reported).
_test_pipeline = [
    dict(type='mmseg.LoadImageFromFile'),
    dict(type='mmseg.Resize', scale=(240, 180), keep_ratio=True),
    dict(type='mmseg.LoadAnnotations'),
    dict(type='mmseg.PackSegInputs'),
]
test_dataloader = dict(num_workers=1, dataset=dict(pipeline=_test_pipeline))
val_dataloader = dict(
    num_workers=1,
    dataset=dict(
        data_prefix=dict(img_path='img_dir/test', seg_map_path='ann_dir/test'),
        pipeline=_test_pipeline))
