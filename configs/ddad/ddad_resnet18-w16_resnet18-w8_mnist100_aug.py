# DDAD on MNIST100 with augmented synthetic images: every generator step
# crops its images (zero padding 4, a shift of up to 4 pixels) before teacher
# and student see them, and every student batch (fresh or replayed) is
# cropped again, keeping the teacher's cached class logits. No flips: a
# mirrored digit is another class or none, and the cached logits would be
# wrong for it (with `flip_prob=0.5` the student ended at 20.0 %,
# docs/en/benchmarks.md).
#   python tools/distill.py configs/ddad/ddad_resnet18-w16_resnet18-w8_mnist100_aug.py --train-teacher
_base_ = ['./ddad_resnet18-w16_resnet18-w8_mnist100.py']

model = dict(
    augment=dict(type='SyntheticAugmentation', padding=4, flip_prob=0.0))
