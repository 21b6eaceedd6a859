# Copyright (c) mmddad contributors. All rights reserved.
"""How strongly each term of a generator objective pulls on the images
(the diagnostic of ``tools/generator_balance.py``)."""
from typing import Dict, Tuple

import torch

from .base_distiller import BaseDataFreeDistiller


def generator_term_gradients(model: BaseDataFreeDistiller,
                             latents: torch.Tensor
                             ) -> Dict[str, Tuple[float, float]]:
    """Each term's weighted value and the L2 norm of its gradient with
    respect to the generated batch.

    The balance of the terms is the ratio of these norms (a term's value
    says little: the BN term summed over layers grows with the teacher's
    depth). Runs the networks in their current mode and changes no
    parameter or ``.grad`` (BN layers in train mode do update their running
    statistics, as in a generator step).

    Args:
        model (BaseDataFreeDistiller): The distiller.
        latents (Tensor): (N, latent_dim), on the model's device.

    Returns:
        dict[str, tuple[float, float]]: ``name -> (value, grad norm)``.

    Raises:
        RuntimeError: The generated images carry no gradient.
    """
    with torch.enable_grad():
        batch, losses = model.generator_objective(latents.detach())
        if not batch.images.requires_grad:
            raise RuntimeError('the generated images carry no gradient (are '
                               'the generator\'s parameters frozen?)')
        # autograd.grad leaves every parameter's .grad untouched
        return {
            name: (loss.detach().item(), float(torch.autograd.grad(
                loss, batch.images, retain_graph=True)[0].norm()))
            for name, loss in losses.items()
        }
