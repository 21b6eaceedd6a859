# The floor: plain KD on Gaussian-noise inputs (no generator training).
_base_ = ['../ddad/ddad_resnet18-w16_resnet18-w8_mnist5k.py']
model = dict(
    generator=dict(_delete_=True, type='GaussianNoiseGenerator', out_size=32,
                   out_channels=1),
    generator_losses=dict(_delete_=True),
    generator_steps=0)
optim_wrapper = dict(generator=None)
