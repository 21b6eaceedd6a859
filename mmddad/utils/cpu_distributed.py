# Copyright (c) mmddad contributors. All rights reserved.
"""Distributed runs on machines without a GPU (gloo)."""
import torch
import torch.distributed as dist


def init_cpu_process_group(launcher: str, dist_cfg: dict) -> bool:
    """Start the process group for ``--launcher pytorch`` on a CPU machine.

    MMEngine's ``init_dist`` pins a CUDA device per rank, which fails without
    a GPU; once a group exists the runner skips it. With a GPU this does
    nothing and MMEngine sets up as usual.

    Args:
        launcher (str): The ``--launcher`` of the tool.
        dist_cfg (dict): ``env_cfg.dist_cfg``; ``nccl`` becomes ``gloo``.

    Returns:
        bool: Whether a group was started here.
    """
    if launcher != 'pytorch' or torch.cuda.is_available() \
            or dist.is_initialized():
        return False
    backend = dist_cfg.get('backend', 'gloo')
    dist.init_process_group(backend='gloo' if backend == 'nccl' else backend)
    return True


def shutdown_process_group() -> None:
    """Wait for every rank, then destroy the default process group.

    Without it a rank may exit while gloo's threads of another still talk to
    it, and that rank aborts at interpreter exit ("terminate called without
    an active exception") after training has already finished.
    """
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
