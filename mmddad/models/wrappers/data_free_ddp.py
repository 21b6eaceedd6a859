# Copyright (c) mmddad contributors. All rights reserved.
"""DDP for data-free distillation: one DDP per trainable submodule."""
from mmengine.device import get_device
from mmengine.model import MMSeparateDistributedDataParallel
from torch import nn

from mmddad.registry import MODEL_WRAPPERS


@MODEL_WRAPPERS.register_module()
class DataFreeDistributedDataParallel(MMSeparateDistributedDataParallel):
    """MMEngine's :class:`MMSeparateDistributedDataParallel` (each submodule
    with trainable parameters, the student and the generator, gets its own
    DDP; the frozen teacher stays unwrapped) that also runs on CPU with the
    gloo backend.

    MMEngine's runner always passes ``device_ids=[LOCAL_RANK]``, which DDP
    refuses for CPU modules; they are dropped when training on CPU.

    Args:
        module (nn.Module): The algorithm.
        broadcast_buffers (bool): Broadcast BN buffers at every forward.
            Defaults to False (each rank keeps its own running stats).
        find_unused_parameters (bool): See DDP. Defaults to False.
        **kwargs: Passed to every DDP.
    """

    def __init__(self,
                 module: nn.Module,
                 broadcast_buffers: bool = False,
                 find_unused_parameters: bool = False,
                 **kwargs) -> None:
        if get_device() == 'cpu':
            kwargs.pop('device_ids', None)
            kwargs.pop('output_device', None)
        super().__init__(
            module,
            broadcast_buffers=broadcast_buffers,
            find_unused_parameters=find_unused_parameters,
            **kwargs)
