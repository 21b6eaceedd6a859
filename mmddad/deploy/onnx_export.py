# Copyright (c) mmddad contributors. All rights reserved.
"""Export to one self-contained ONNX file with a dynamic batch."""
import contextlib
import io
import os
import os.path as osp
import tempfile
from typing import Sequence

import torch
import torch.nn as nn
from mmengine.utils import digit_version

from .deployable_model import INPUT_NAME, OUTPUT_NAME

#: The oldest torch whose ``torch.onnx.export(dynamo=True)`` takes
#: ``dynamic_shapes`` and ``external_data`` (the ``deploy`` extra's minimum).
MIN_EXPORT_TORCH = '2.6.0'
#: How to install what deployment needs.
DEPLOY_EXTRA = "pip install -e '.[deploy]' (onnx, onnxruntime, onnxscript)"


def require_onnx() -> None:
    """Fail with the extra to install if ONNX or ONNX Runtime is missing."""
    missing = []
    for name in ('onnx', 'onnxruntime', 'onnxscript'):
        try:
            __import__(name)
        except ImportError:
            missing.append(name)
    if missing:
        raise ImportError(f'deployment needs {", ".join(missing)}: '
                          f'{DEPLOY_EXTRA}')
    if digit_version(torch.__version__) < digit_version(MIN_EXPORT_TORCH):
        raise ImportError(
            f'deployment exports with torch.onnx\'s torch.export-based '
            f'exporter, which needs torch >= {MIN_EXPORT_TORCH} (this is '
            f'{torch.__version__}): train here, deploy from an install with '
            f'a newer torch ({DEPLOY_EXTRA})')


def export_onnx(model: nn.Module, input_shape: Sequence[int], path: str,
                opset: int = 18) -> None:
    """Export ``model`` (one input, one output) with ``torch.onnx`` (the
    dynamo exporter), the batch dimension dynamic, weights inside the file.

    The file is written under a temporary name and renamed when complete.

    Args:
        model (nn.Module): E.g. a :class:`DeployableModel`, in eval mode.
        input_shape (Sequence[int]): (N, C, H, W) of the example input.
        path (str): The ``.onnx`` file to write.
        opset (int): ONNX opset. Defaults to 18.
    """
    require_onnx()
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f'.{osp.basename(path)}.',
                               suffix='.onnx')
    os.close(fd)
    example = torch.rand(*input_shape) * 255
    try:
        # the exporter reports its steps on stdout: keep the tool's quiet
        with torch.no_grad(), contextlib.redirect_stdout(io.StringIO()):
            torch.onnx.export(
                model, (example, ),
                tmp,
                input_names=[INPUT_NAME],
                output_names=[OUTPUT_NAME],
                dynamic_shapes=({0: torch.export.Dim('batch')}, ),
                opset_version=opset,
                dynamo=True,
                external_data=False)
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
