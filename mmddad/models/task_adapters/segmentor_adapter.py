# Copyright (c) mmddad contributors. All rights reserved.
"""Task adapter of MMSegmentation segmentors (DeepLabV3, DeepLabV3+, ...)."""
import os
import os.path as osp
from typing import List, Optional

import mmcv
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmseg.models.segmentors import BaseSegmentor

from mmddad.registry import TASK_UTILS
from mmddad.visualization import add_caption, draw_legend, enlarge
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
        """Overlay the teacher's predicted mask (dataset palette, 50%); the
        colours are those of :meth:`legend`."""
        masks = teacher_logits.argmax(dim=1).cpu().numpy()
        palette = self._palette(dataset_meta, teacher_logits.size(1))
        return [
            enlarge((0.5 * img + 0.5 * palette[mask]).astype(np.uint8),
                    min_size) for img, mask in zip(images, masks)
        ]

    def legend(self, dataset_meta: dict, num_classes: int,
               width: int) -> Optional[np.ndarray]:
        """See :meth:`BaseTaskAdapter.legend`: every class's colour."""
        classes = (dataset_meta or {}).get('classes') or [
            str(i) for i in range(num_classes)]
        return draw_legend(classes[:num_classes],
                           self._palette(dataset_meta, num_classes), width)

    def paint_predictions(
            self,
            images: List[np.ndarray],
            data_samples: list,
            dataset_meta: dict,
            min_size: int = 64,
            teacher_samples: Optional[list] = None) -> List[np.ndarray]:
        """Side by side: the image, the predicted mask over it (with
        ``teacher_samples``: the student's, then the teacher's) and the
        ground-truth mask over it (if known), then a legend of the classes
        they show (ignored pixels of the ground truth stay uncoloured)."""
        classes = (dataset_meta or {}).get('classes')
        out = []
        teachers = teacher_samples or [None] * len(data_samples)
        for img, sample, teacher in zip(images, data_samples, teachers):
            pred = sample.pred_sem_seg.data[0].cpu().numpy()
            if img.shape[:2] != pred.shape:
                img = mmcv.imresize(img, pred.shape[::-1])
            if teacher is None:
                masks = [('prediction', pred)]
            else:
                taught = teacher.pred_sem_seg.data[0].cpu().numpy()
                masks = [('student', pred), ('teacher', taught)]
            if 'gt_sem_seg' in sample:
                masks.append(('ground truth',
                              sample.gt_sem_seg.data[0].cpu().numpy()))
            num_classes = max(
                len(classes) if classes else 0,
                int(pred.max()) + 1,
                *(int(m[m < 255].max(initial=0)) + 1 for _, m in masks))
            palette = self._palette(dataset_meta, num_classes)
            panels = [add_caption(enlarge(img, min_size), ['image'])]
            for title, mask in masks:
                known = mask < num_classes
                blended = img.copy()
                blended[known] = (0.5 * img[known] +
                                  0.5 * palette[mask[known]]).astype(np.uint8)
                panels.append(add_caption(enlarge(blended, min_size),
                                          [title]))
            row = np.concatenate(
                [np.pad(p, ((0, 0), (0, 4), (0, 0)), constant_values=255)
                 for p in panels], axis=1)
            present = np.unique(np.concatenate(
                [m[m < num_classes] for _, m in masks]))
            names = classes or [str(i) for i in range(num_classes)]
            legend = draw_legend(names[:num_classes], palette, row.shape[1],
                                 present=present.tolist())
            out.append(np.concatenate([row, legend], axis=0))
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
