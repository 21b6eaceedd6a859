# Copyright (c) mmddad contributors. All rights reserved.
"""Dual Discriminator Adversarial Distillation (Zhao et al., 2022)."""
from contextlib import contextmanager
from typing import Dict, Iterator

import torch
import torch.nn as nn
from mmengine.optim import OptimWrapper

from mmddad.registry import MODELS
from ..wrappers.unwrap import unwrap_model
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
      images and their cached teacher logits instead);
    - generator step (:meth:`train_generator`): ``L_G = sum_i w_i *
      loss_i(batch)`` over ``generator_losses`` (DDAD: ``BNStatisticsLoss``,
      the first discriminator, and ``AdversarialLoss``, ``-d``, the second);
      only ``G`` is updated.

    Removing the BN term gives DFAD, removing the adversarial term a
    DeepInversion-style generator, and DAFL's terms (``OneHotLoss``,
    ``InformationEntropyLoss``, ``ActivationLoss``) without the BN term
    approximate DAFL. The arguments are those of
    :class:`BaseDataFreeDistiller`.
    """

    def train_student(self, data: dict, optim_wrapper: OptimWrapper
                      ) -> Dict[str, torch.Tensor]:
        """Update the student on generated (or replayed) images; G and T are
        constants.

        Under ``--amp`` the generator and teacher forwards of the step run in
        the autocast dtype too (they are most of its cost); the discrepancy
        is computed in fp32.
        """
        with optim_wrapper.optim_context(self.student):
            _, losses = self.student_objective(data['batch_size'],
                                               data['rng'])
            loss, log_vars = self.parse_losses(losses)
        optim_wrapper.update_params(loss)
        return _step_logs(log_vars, 'loss_student')

    def train_generator(self, data: dict, optim_wrapper: OptimWrapper
                        ) -> Dict[str, torch.Tensor]:
        """Update the generator through the frozen teacher and student with
        the weighted sum of ``generator_losses``."""
        z = self.sample_latents(data['batch_size'], data['rng'])
        with optim_wrapper.optim_context(self.generator), \
                no_param_grad(unwrap_model(self.student)):
            batch, losses = self.generator_objective(
                z, augment_rng=data['rng'])
            loss, log_vars = self.parse_losses(losses)
            optim_wrapper.update_params(loss)
        if self.replay is not None:
            self.replay.after_generator_step(batch.images,
                                             batch.teacher_logits)
        return _step_logs(log_vars, 'loss_generator')


def _step_logs(log_vars: Dict[str, torch.Tensor],
               total_key: str) -> Dict[str, torch.Tensor]:
    """What a step logs from ``parse_losses``' ``log_vars``: every value
    detached, the summed ``loss`` under ``total_key`` (unless a term has
    that name)."""
    logs = {k: v.detach() for k, v in log_vars.items() if k != 'loss'}
    logs.setdefault(total_key, log_vars['loss'].detach())
    return logs


@contextmanager
def no_param_grad(module: nn.Module) -> Iterator[None]:
    """Let gradients flow through ``module`` to its input but not into its
    parameters (no accumulation into the student during a generator step)."""
    params = [p for p in module.parameters() if p.requires_grad]
    for p in params:
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p in params:
            p.requires_grad_(True)
