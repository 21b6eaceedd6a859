# Copyright (c) mmddad contributors. All rights reserved.
"""Task adapter of MMSegmentation segmentors (DeepLabV3, DeepLabV3+, ...)."""
import os
import os.path as osp
from typing import List

import mmcv
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmseg.models.segmentors import BaseSegmentor

from mmddad.registry import TASK_UTILS
from .base import BaseTaskAdapter


@TASK_UTILS.register_module()
class SegmentorAdapter(BaseTaskAdapter):
    """Per-pixel logits of an MMSegmentation segmentor.

    ``model(x, mode='tensor')`` gives the decode head's logits, usually at
    1/8 of the input size; they are resized (bilinear) to the input size, so
    teacher and student logits always have one shape, (N, C, H, W). An
    auxiliary head only serves training with labels: it is not used.
    """

    task = 'semantic segmentation'
    takes_smaller_inputs = True
    model_type = BaseSegmentor

    def logits(self, model: nn.Module, inputs: torch.Tensor) -> torch.Tensor:
        """See :meth:`BaseTaskAdapter.logits`."""
        out = model(inputs, mode='tensor')
        if out.shape[2:] != inputs.shape[2:]:
            align = getattr(getattr(model, 'module', model), 'align_corners',
                            False)
            out = F.interpolate(
                out, size=inputs.shape[2:], mode='bilinear',
                align_corners=bool(align))
        return out

    def predict(self, model: nn.Module, logits: torch.Tensor,
                data_samples: list) -> list:
        """See :meth:`BaseTaskAdapter.predict`: the segmentor's own
        post-processing (padding removed, logits resized to the original
        image size, per-pixel argmax)."""
        return model.postprocess_result(logits.float(), data_samples)

    @staticmethod
    def _palette(dataset_meta: dict, num_classes: int) -> np.ndarray:
        palette = (dataset_meta or {}).get('palette')
        if palette is not None and len(palette) >= num_classes:
            return np.asarray(palette, dtype=np.uint8)
        rng = np.random.RandomState(42)  # fixed colours for unknown classes
        return rng.randint(0, 256, size=(num_classes, 3), dtype=np.uint8)

    def draw_predictions(self, images: List[np.ndarray],
                         teacher_logits: torch.Tensor, dataset_meta: dict,
                         min_size: int = 64) -> List[np.ndarray]:
        """Overlay the teacher's predicted mask (dataset palette, 50%)."""
        masks = teacher_logits.argmax(dim=1).cpu().numpy()
        palette = self._palette(dataset_meta, teacher_logits.size(1))
        out = []
        for img, mask in zip(images, masks):
            blended = (0.5 * img + 0.5 * palette[mask]).astype(np.uint8)
            scale = max(1, -(-min_size // min(img.shape[:2])))
            if scale > 1:
                blended = mmcv.imrescale(
                    blended, scale, interpolation='nearest')
            out.append(blended)
        return out

    def write_annotations(self, out_dir: str, filenames: List[str],
                          teacher_logits: torch.Tensor,
                          dataset_meta: dict) -> None:
        """Write the teacher's masks as ``masks/<name>.png`` (label ids),
        beside ``images/<name>.png``: MMSeg's ``BaseSegDataset`` layout
        with ``data_prefix=dict(img_path='images', seg_map_path='masks')``."""
        masks = teacher_logits.argmax(dim=1).cpu().numpy().astype(np.uint8)
        os.makedirs(osp.join(out_dir, 'masks'), exist_ok=True)
        for name, mask in zip(filenames, masks):
            mmcv.imwrite(mask, osp.join(out_dir, 'masks', osp.basename(name)))
