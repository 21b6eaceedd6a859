# The 100-class embedded task: two-digit numbers "00".."99", each made of two
# real MNIST-5k digits side by side, 32x32 grayscale. 10,000 training
# composites from the 4,000 training digits, 2,000 test composites (20 per
# class) from the 1,000 test digits. Data-free configs keep only the
# evaluation part, with `train_dataloader = dict(_delete_=True, batch_size=N)`.
_base_ = ['./mnist5k.py']
dataset_type = 'MNIST100'
num_classes = 100

# mean/std of the composites on the 0-255 scale (single channel)
data_preprocessor = dict(num_classes=num_classes, mean=[31.87], std=[71.29])

val_dataloader = dict(dataset=dict(type=dataset_type))
test_dataloader = val_dataloader
train_dataloader = dict(dataset=dict(type=dataset_type))
