# The DDAD algorithm with METHOD.md's defaults. Leaf configs name the
# teacher, the student and the generator; ablations change the lambdas.
model = dict(
    type='DDAD',
    bn_loss=dict(type='BNStatisticsLoss'),
    discrepancy=dict(type='LogitsL1Loss'),
    lambda_bn=5.0,
    lambda_adv=1.0,
    student_steps=5,
    generator_steps=1,
)
