# The embedded data set with its 4,000 training digits, for supervised
# recipes (teacher, student-with-data). Data-free configs use
# mnist5k_eval.py, which builds no training set.
_base_ = ['./mnist5k_eval.py']

train_pipeline = [
    dict(type='mmpretrain.RandomCrop', crop_size=32, padding=2),
    dict(type='mmpretrain.PackInputs'),
]
train_dataloader = dict(
    batch_size=64,
    num_workers=0,
    dataset=dict(type='MNIST5k', split='train', pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True),
)
