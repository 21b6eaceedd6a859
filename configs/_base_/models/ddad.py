# The DDAD algorithm and its defaults. Leaf configs name the teacher, the
# student and the generator; ablations change the generator's terms.
model = dict(
    type='DDAD',
    # the generator objective: name -> weighted term (logged by its name);
    # a term of loss_weight 0 is left out
    generator_losses=dict(
        # first discriminator: the teacher's BatchNorm statistics
        loss_bn=dict(type='BNStatisticsLoss', loss_weight=5.0),
        # second discriminator: -d(T(x), S(x))
        loss_adv=dict(type='AdversarialLoss', loss_weight=1.0),
    ),
    # d, minimised by the student, maximised through loss_adv
    discrepancy=dict(type='LogitsL1Loss'),
    student_steps=5,
    generator_steps=1,
    # networks in channels-last memory format (same results up to rounding;
    # faster for some configs and devices, e.g. the CIFAR ones on a GPU)
    channels_last=False,
)
