# Fast-Datafree as published (Fast-2 with its own terms) on the task of
# fast-ddad_resnet18-w16_resnet18-w8_mnist100.py (README.md).
_base_ = ['./fast-ddad_resnet18-w16_resnet18-w8_mnist100.py']

model = {{_base_.fast_terms_digits}}
