# DAFL-like ablation (Chen et al., 2019): one-hot and information-entropy
# generator losses, no BN statistics, one student step per generator step.
_base_ = ['../ddad/ddad_resnet18-w16_resnet18-w8_mnist5k.py']
model = dict(
    lambda_bn=0.0, lambda_adv=0.1, lambda_oh=1.0, lambda_ie=5.0,
    student_steps=1)
