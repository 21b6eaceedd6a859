# The floor on the 100-class embedded task: plain KD on Gaussian noise.
_base_ = ['../ddad/ddad_resnet18-w16_resnet18-w8_mnist100.py']
model = dict(
    generator=dict(_delete_=True, type='GaussianNoiseGenerator', out_size=32,
                   out_channels=1),
    generator_losses=dict(_delete_=True),
    generator_steps=0)
optim_wrapper = dict(generator=None)
