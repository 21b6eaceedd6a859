# Copyright (c) mmddad contributors. All rights reserved.
"""Static INT8 quantization with ONNX Runtime, from given calibration
batches."""
import os
import os.path as osp
import tempfile
import warnings
from typing import Iterable, Iterator, Optional

import numpy as np

from .deployable_model import INPUT_NAME

#: ``--calib-method`` -> ONNX Runtime's ``CalibrationMethod`` name: the
#: activation ranges from the min and max seen, from the histogram's
#: entropy (KL), or from its 99.999th percentile.
CALIBRATION_METHODS = dict(
    minmax='MinMax', entropy='Entropy', percentile='Percentile')


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
    ``batches``. The result is written under a temporary name and renamed
    when complete.

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
        quantize_static(
            prepared,
            quantized,
            _calibration_reader(batches, per_image=method != 'minmax'),
            quant_format=QuantFormat.QDQ,
            per_channel=True,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            calibrate_method=getattr(CalibrationMethod,
                                     CALIBRATION_METHODS[method]))
        os.replace(quantized, out_path)
