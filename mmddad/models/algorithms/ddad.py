# Copyright (c) mmddad contributors. All rights reserved.
"""Dual Discriminator Adversarial Distillation (Zhao et al., 2022)."""
from mmddad.registry import MODELS
from .base_distiller import BaseDataFreeDistiller


@MODELS.register_module()
class DDAD(BaseDataFreeDistiller):
    """Data-free distillation of a frozen teacher into a student, with an
    amortised generator judged by two discriminators.

    A generator ``G`` maps latents to images in the teacher's normalised
    input space. Each iteration runs ``student_steps`` student steps and
    ``generator_steps`` generator steps (students first unless
    ``generator_first``), each on fresh latents:

    - student step (:meth:`train_student`): ``L_S = sum_j v_j * s_j(batch)``
      over ``student_losses`` (by default ``d(T(x), S(x))``) with ``x = G(z)``
      detached (the replay policy may draw part of the batch from stored
      images and their cached teacher logits instead, or relabel them);
    - generator step (:meth:`train_generator`): ``L_G = sum_i w_i *
      loss_i(batch)`` over ``generator_losses`` (DDAD: ``BNStatisticsLoss``,
      the first discriminator, and ``AdversarialLoss``, ``-d``, the second);
      only ``G`` is updated.

    Removing the BN term gives DFAD, removing the adversarial term a
    DeepInversion-style generator, and DAFL's terms (``OneHotLoss``,
    ``InformationEntropyLoss``, ``ActivationLoss``) without the BN term
    approximate DAFL. The steps, both objectives and the arguments are
    those of :class:`BaseDataFreeDistiller`; DDAD names the default terms of
    the generator objective.
    """

    #: The generator objective when a config sets none: the two
    #: discriminators at weight 1.
    default_generator_losses = dict(
        loss_bn=dict(type='BNStatisticsLoss', loss_weight=1.0),
        loss_adv=dict(type='AdversarialLoss', loss_weight=1.0))
