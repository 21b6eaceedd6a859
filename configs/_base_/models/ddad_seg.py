# DDAD for DeepLab-style segmentors in DFAD's setting: 128x128 synthetic RGB
# crops and the bounded generator term -log(1 + d). The student is trained
# from scratch (no ImageNet weights) and without its auxiliary head, which
# only serves supervised training: without labels it would never be trained.
# Leaf configs name the teacher (cfg_path + checkpoint) and the student
# (cfg_path).
_base_ = ['./ddad.py']
model = dict(
    student=dict(pretrained=None, auxiliary_head=None),
    generator=dict(
        type='DCGANGenerator', latent_dim=256, out_size=128, out_channels=3),
    generator_losses=dict(loss_adv=dict(form='log')),
)
