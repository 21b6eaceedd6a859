# DDAD on the canvas task with augmented synthetic images: crops (zero
# padding 4) and flips before teacher and student in generator steps, and on
# every student batch, the cached per-pixel teacher logits cropped and
# flipped with the canvases (no extra teacher forward).
#   python tools/distill.py configs/ddad/ddad_deeplabv3-r18-w16_r18-w8_mnist-canvas_aug.py --train-teacher
_base_ = ['./ddad_deeplabv3-r18-w16_r18-w8_mnist-canvas.py']

model = dict(
    augment=dict(type='SyntheticAugmentation', padding=4, flip_prob=0.5))
