# Copyright (c) mmddad contributors. All rights reserved.
"""Deployment without data: ONNX export, INT8 calibrated on synthetic
images, ONNX Runtime evaluation and latency (``tools/deploy.py``)."""
from .calibration import CALIBRATION_SOURCES, calibration_batches
from .deployable_model import INPUT_NAME, OUTPUT_NAME, DeployableModel
from .deployed_evaluation import evaluate_deployed
from .int8_quantization import CALIBRATION_METHODS, quantize_int8
from .onnx_export import DEPLOY_EXTRA, export_onnx, require_onnx
from .onnx_runtime import cpu_description, median_ms, ort_session, run_session

__all__ = [
    'CALIBRATION_METHODS', 'CALIBRATION_SOURCES', 'calibration_batches', 'INPUT_NAME', 'OUTPUT_NAME',
    'DeployableModel', 'evaluate_deployed', 'quantize_int8', 'DEPLOY_EXTRA',
    'export_onnx', 'require_onnx', 'cpu_description', 'median_ms',
    'ort_session', 'run_session'
]
