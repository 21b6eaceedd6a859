# Fast-Datafree as published (Fast-2 with its own terms) on the task of
# fast-ddad_resnet18-w16_resnet18-w8_mnist5k.py (README.md).
_base_ = ['./fast-ddad_resnet18-w16_resnet18-w8_mnist5k.py']

model = {{_base_.fast_terms_digits}}
