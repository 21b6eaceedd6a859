# DAFL's generator objective (Chen et al., 2019), for the DAFL-like ablation
# configs: its three terms with DAFL's weights (one-hot 1, activation 0.1,
# information entropy 5), a small adversarial term and no BN statistics.
# Used as `model = dict(generator_losses={{_base_.dafl_generator_losses}})`.
dafl_generator_losses = dict(
    loss_bn=dict(loss_weight=0.0),
    loss_adv=dict(loss_weight=0.1),
    loss_oh=dict(type='OneHotLoss', loss_weight=1.0),
    loss_ie=dict(type='InformationEntropyLoss', loss_weight=5.0),
    loss_act=dict(type='ActivationLoss', loss_weight=0.1),
)
