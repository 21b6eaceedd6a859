# Copyright (c) mmddad contributors. All rights reserved.
"""The task metric of exported models next to the PyTorch model's, on the
same validation batches, with the same evaluator."""
import copy
from typing import Dict, Iterable, List

import numpy as np
import torch
from mmengine.evaluator import Evaluator

from .deployable_model import DeployableModel
from .onnx_runtime import run_session


def _same_size_groups(inputs: List[torch.Tensor]) -> List[List[int]]:
    """Indices of the batch's images, split where their sizes change (one
    ONNX Runtime call per group)."""
    groups: List[List[int]] = []
    for i, image in enumerate(inputs):
        if groups and inputs[groups[-1][0]].shape == image.shape:
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


#: How far fp32 logits of the same export may differ between CPU kernels
#: (oneDNN's, ONNX Runtime's, AVX2 or AVX-512 or AMX) without a bug.
FP32_LOGIT_TOLERANCE = 1e-3


def _unexplained_flips(reference: torch.Tensor, logits: torch.Tensor,
                       same: torch.Tensor,
                       tolerance: float = FP32_LOGIT_TOLERANCE) -> int:
    """Predictions that differ although the reference's top two logits are
    further apart than ``2 * tolerance``: when every logit moves by at most
    ``tolerance``, only a margin of at most twice that can flip, so another
    CPU's kernels may flip near-ties but a faithful export flips nothing
    else.

    Args:
        reference (Tensor): PyTorch logits, (N, C, ...).
        logits (Tensor): The session's logits, same shape.
        same (Tensor): Whether the argmax agrees, (N, ...).
        tolerance (float): The largest logit difference rounding explains.
    """
    top2 = reference.float().topk(2, dim=1).values
    margin = top2[:, 0] - top2[:, 1]
    return int((~same & (margin > 2 * tolerance)).sum())


def evaluate_deployed(deployable: DeployableModel, sessions: Dict[str, object],
                      dataloader: Iterable, evaluator_cfg,
                      dataset_meta: dict) -> Dict[str, dict]:
    """Evaluate the PyTorch network and ONNX Runtime sessions of it.

    The PyTorch row is the network's own ``val_step`` (its data
    preprocessor included), as ``tools/test.py`` runs it. Each session gets
    the loaded pixels of the same batches; its logits go through the task
    adapter's post-processing into the same evaluator, and are compared
    with the PyTorch logits of :class:`DeployableModel`.

    Args:
        deployable (DeployableModel): The network with its preprocessing.
        sessions (dict): ``name -> InferenceSession``.
        dataloader (Iterable): Validation batches (``inputs``: uint8 images,
            ``data_samples``).
        evaluator_cfg: The config's ``val_evaluator``.
        dataset_meta (dict): The dataset's meta (class names).

    Returns:
        dict[str, dict]: ``'pytorch'`` and each session's name -> its
        metrics; each session's also has ``max_abs_logit_diff`` and
        ``prediction_agreement`` (the fraction of argmax predictions, per
        sample or per pixel, equal to PyTorch's) and ``unexplained_flips``
        (predictions that differ where fp32 rounding cannot explain it, see
        :func:`_unexplained_flips`; 0 for a faithful fp32 export).
    """
    network, adapter = deployable.network, deployable.adapter
    evaluators = {name: Evaluator(copy.deepcopy(evaluator_cfg))
                  for name in ['pytorch', *sessions]}
    for evaluator in evaluators.values():
        evaluator.dataset_meta = dataset_meta
    diffs = {name: 0.0 for name in sessions}
    agree = {name: [0, 0] for name in sessions}
    flips = {name: 0 for name in sessions}
    count = 0
    with torch.no_grad():
        for batch in dataloader:
            outputs = network.val_step(copy.deepcopy(batch))
            evaluators['pytorch'].process(outputs, batch)
            count += len(batch['inputs'])
            for group in _same_size_groups(batch['inputs']):
                images = torch.stack(
                    [batch['inputs'][i] for i in group]).float()
                reference = deployable(images)
                samples = [batch['data_samples'][i] for i in group]
                for name, session in sessions.items():
                    logits = torch.from_numpy(
                        run_session(session, images.numpy()))
                    diffs[name] = max(diffs[name], float(
                        (logits - reference).abs().max()))
                    same = logits.argmax(1) == reference.argmax(1)
                    agree[name][0] += int(same.sum())
                    agree[name][1] += same.numel()
                    flips[name] += _unexplained_flips(reference, logits, same)
                    predicted = adapter.predict(network, logits,
                                                copy.deepcopy(samples))
                    evaluators[name].process(predicted, dict(
                        inputs=[batch['inputs'][i] for i in group],
                        data_samples=samples))
    results = {
        name: evaluator.evaluate(count)
        for name, evaluator in evaluators.items()
    }
    for name in sessions:
        results[name]['max_abs_logit_diff'] = diffs[name]
        results[name]['prediction_agreement'] = (
            agree[name][0] / agree[name][1] if agree[name][1] else np.nan)
        results[name]['unexplained_flips'] = flips[name]
    return results
