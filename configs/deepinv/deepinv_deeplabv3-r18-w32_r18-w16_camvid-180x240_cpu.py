# DeepInversion-style ablation of the CPU CamVid config
# (configs/ddad/deeplabv3-r18-w32_r18-w16_camvid-180x240_cpu.py): statistics
# only, no adversarial term.
_base_ = ['../ddad/deeplabv3-r18-w32_r18-w16_camvid-180x240_cpu.py']
model = dict(generator_losses=dict(loss_adv=dict(loss_weight=0.0)))
