# Copyright (c) mmddad contributors. All rights reserved.
"""Static INT8 quantization with ONNX Runtime, from given calibration
batches."""
import itertools
import os
import os.path as osp
import tempfile
import warnings
from typing import Dict, Iterable, Iterator, Optional, Set, Tuple

import numpy as np

from .deployable_model import INPUT_NAME

#: ``--calib-method`` -> ONNX Runtime's ``CalibrationMethod`` name: the
#: activation ranges from the min and max seen, from the histogram's
#: entropy (KL), or from its 99.999th percentile.
CALIBRATION_METHODS = dict(
    minmax='MinMax', entropy='Entropy', percentile='Percentile')


#: The range of the deployed model's input: loaded pixels.
PIXEL_RANGE = (0.0, 255.0)

#: Ops that move elements of their input (Slice, Gather, Transpose,
#: Reshape, Identity, Concat of such) or map each through a fixed affine
#: function (Sub, Div, Mul, Add with a constant): what the exported graph
#: computes from the image before its first layer (channel flip, mean,
#: std). Each element of their output is a monotonic function of one
#: pixel.
_MOVING_OPS = frozenset(
    {'Slice', 'Gather', 'Transpose', 'Reshape', 'Identity', 'Concat'})
_AFFINE_OPS = frozenset({'Sub', 'Div', 'Mul', 'Add'})


def _pixelwise_tensors(model) -> Set[str]:
    """The tensors of ``model`` (an ``onnx.ModelProto``) computed from the
    input image by :data:`_MOVING_OPS` and :data:`_AFFINE_OPS` alone, the
    input included."""
    graph = model.graph
    constants = {init.name for init in graph.initializer}
    constants |= {out for node in graph.node if node.op_type == 'Constant'
                  for out in node.output}
    chain = {INPUT_NAME}
    for node in graph.node:  # ONNX nodes are in topological order
        variable = [i for i in node.input if i and i not in constants]
        if not variable or not all(i in chain for i in variable):
            continue
        affine = (node.op_type in _AFFINE_OPS and len(variable) == 1
                  # constant / image is not affine in the image
                  and (node.op_type != 'Div' or node.input[0] in chain))
        if node.op_type in _MOVING_OPS or affine:
            chain.update(node.output)
    return chain


def input_ranges(model_path: str, shape: Tuple[int, ...]
                 ) -> Dict[str, Tuple[float, float]]:
    """The exact ranges of the input and of the tensors the graph computes
    from it pixel by pixel (:func:`_pixelwise_tensors`), over every image
    of loaded pixels (:data:`PIXEL_RANGE`).

    These ranges are known before any image is seen; calibrating them
    instead clips what the calibration images lack (a generator that never
    draws a white pixel clips every bright pixel of a real image at the
    first layer). Each element is a monotonic function of one pixel, so
    its extremes are reached by the black and the white image.

    Args:
        model_path (str): The fp32 model.
        shape (tuple[int, ...]): (C, H, W) of its input.

    Returns:
        dict[str, tuple[float, float]]: Tensor name -> (min, max).
    """
    import onnx
    import onnxruntime as ort
    model = onnx.load(model_path)
    names = sorted(_pixelwise_tensors(model) - {INPUT_NAME})
    outputs = {out.name for out in model.graph.output}
    for name in names:
        if name not in outputs:
            model.graph.output.append(onnx.helper.make_tensor_value_info(
                name, onnx.TensorProto.FLOAT, None))
    session = ort.InferenceSession(model.SerializeToString(),
                                   providers=['CPUExecutionProvider'])
    probes = np.stack([np.full(shape, v, np.float32) for v in PIXEL_RANGE])
    values = session.run(names, {INPUT_NAME: probes}) if names else []
    ranges = {INPUT_NAME: PIXEL_RANGE}
    ranges.update((name, (float(v.min()), float(v.max())))
                  for name, v in zip(names, values))
    return ranges


def _single_images(batches: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
    for batch in batches:
        yield from (image[None] for image in batch)


def _calibration_reader(batches: Iterable[np.ndarray], per_image: bool):
    """An ONNX Runtime ``CalibrationDataReader`` over image batches, or
    over their images one by one (``per_image``: ONNX Runtime's histogram
    calibrators stack the outputs of all reads, so the reads must be of
    one size, which a smaller last batch is not)."""
    from onnxruntime.quantization import CalibrationDataReader

    class BatchReader(CalibrationDataReader):

        def __init__(self) -> None:
            self._batches: Iterator[np.ndarray] = iter(
                _single_images(batches) if per_image else batches)

        def get_next(self) -> Optional[dict]:
            batch = next(self._batches, None)
            return None if batch is None else {
                INPUT_NAME: batch.astype(np.float32)
            }

    return BatchReader()


def quantize_int8(fp32_path: str, out_path: str,
                  batches: Iterable[np.ndarray],
                  method: str = 'minmax') -> None:
    """Quantize an fp32 ONNX model statically: INT8 weights (per channel)
    and UINT8 activations in QDQ format, activation ranges calibrated on
    ``batches``, except those of the input and its preprocessing, which
    are exact (:func:`input_ranges`). The result is written under a
    temporary name and renamed when complete.

    Args:
        fp32_path (str): The fp32 model.
        out_path (str): Where to write the INT8 model.
        batches (Iterable[np.ndarray]): Calibration images, (N, C, H, W)
            each, as the model takes them.
        method (str): A key of :data:`CALIBRATION_METHODS`. Defaults to
            ``'minmax'``.
    """
    if method not in CALIBRATION_METHODS:
        raise ValueError(f'--calib-method must be one of '
                         f'{sorted(CALIBRATION_METHODS)}, got {method!r}')
    from onnxruntime.quantization import (CalibrationMethod, QuantFormat,
                                          QuantType, quantize_static)
    from onnxruntime.quantization.shape_inference import quant_pre_process
    folder = osp.dirname(osp.abspath(out_path))
    with tempfile.TemporaryDirectory(dir=folder, prefix='.quantize.') as tmp:
        prepared = osp.join(tmp, 'prepared.onnx')
        try:  # shape inference and graph fusions, as ONNX Runtime advises
            quant_pre_process(fp32_path, prepared)
        except Exception as e:  # noqa: BLE001 - quantize the model as it is
            warnings.warn(f'ONNX Runtime\'s quant_pre_process failed ({e}); '
                          'quantizing the model without it')
            prepared = fp32_path
        quantized = osp.join(tmp, 'int8.onnx')
        batches = iter(batches)
        first = next(batches, None)
        if first is None:
            raise ValueError('INT8 calibration got no images')
        exact = input_ranges(prepared, tuple(first.shape[1:]))
        quantize_static(
            prepared,
            quantized,
            _calibration_reader(itertools.chain([first], batches),
                                per_image=method != 'minmax'),
            quant_format=QuantFormat.QDQ,
            per_channel=True,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            calibrate_method=getattr(CalibrationMethod,
                                     CALIBRATION_METHODS[method]),
            extra_options=dict(TensorQuantOverrides={
                name: [dict(rmin=np.float32(low), rmax=np.float32(high))]
                for name, (low, high) in exact.items()
            }))
        os.replace(quantized, out_path)
