# The floor of every embedded table: plain KD on Gaussian-noise inputs (no
# generator to train). Used as `model = {{_base_.noise_kd_model}}` with
# `optim_wrapper = dict(generator=None)`.
noise_kd_model = dict(
    generator=dict(_delete_=True, type='GaussianNoiseGenerator', out_size=32,
                   out_channels=1),
    generator_losses=dict(_delete_=True),
    generator_steps=0,
    # every student batch is fresh noise (no generator step would refill a
    # replay buffer)
    replay=None)
