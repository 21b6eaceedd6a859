# DDAD on MNIST100 with augmented synthetic images: every generator step
# crops (zero padding 4) and flips its images before teacher and student see
# them, and every student batch (fresh or replayed) is cropped and flipped
# again, keeping the teacher's cached class logits.
#   python tools/distill.py configs/ddad/ddad_resnet18-w16_resnet18-w8_mnist100_aug.py --train-teacher
_base_ = ['./ddad_resnet18-w16_resnet18-w8_mnist100.py']

model = dict(
    augment=dict(type='SyntheticAugmentation', padding=4, flip_prob=0.5))
