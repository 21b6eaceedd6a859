# Copyright (c) mmddad contributors. All rights reserved.
"""Task adapter of MMPretrain image classifiers."""
from typing import List

import os
import os.path as osp

import cv2
import mmcv
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.models import BaseClassifier

from mmddad.registry import TASK_UTILS
from .base import BaseTaskAdapter


@TASK_UTILS.register_module()
class ClassifierAdapter(BaseTaskAdapter):
    """Logits of an MMPretrain classifier: ``model(x, mode='tensor')``, the
    head's class scores of shape (N, num_classes)."""

    task = 'classification'
    model_type = BaseClassifier

    def logits(self, model: nn.Module, inputs: torch.Tensor) -> torch.Tensor:
        """See :meth:`BaseTaskAdapter.logits`."""
        out = model(inputs, mode='tensor')
        if isinstance(out, (tuple, list)):  # a classifier without a head
            raise TypeError(
                f'{type(model).__name__} returned features, not logits: '
                'DDAD needs a classifier with a head')
        return out

    def predict(self, model: nn.Module, logits: torch.Tensor,
                data_samples: list) -> list:
        """See :meth:`BaseTaskAdapter.predict`: class scores (softmax) and
        labels, as MMPretrain's ``ClsHead.predict``."""
        scores = F.softmax(logits.float(), dim=1).detach()
        for sample, score in zip(data_samples, scores):
            sample.set_pred_score(score).set_pred_label(score.argmax(0))
        return data_samples

    def draw_predictions(self, images: List[np.ndarray],
                         teacher_logits: torch.Tensor, dataset_meta: dict,
                         min_size: int = 64) -> List[np.ndarray]:
        """Write the teacher's predicted class name on each image."""
        classes = dataset_meta.get('classes') if dataset_meta else None
        labels = teacher_logits.argmax(dim=1).tolist()
        out = []
        for img, label in zip(images, labels):
            scale = max(1, -(-min_size // min(img.shape[:2])))
            img = mmcv.imrescale(img, scale, interpolation='nearest') \
                if scale > 1 else img.copy()
            text = str(classes[label]) if classes else str(label)
            cv2.putText(img, text, (2, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.45,
                        (255, 64, 64), 1, cv2.LINE_AA)
            out.append(img)
        return out

    def write_annotations(self, out_dir: str, filenames: List[str],
                          teacher_logits: torch.Tensor,
                          dataset_meta: dict) -> None:
        """Append ``<image> <label>`` lines to ``meta/train.txt`` (the format
        of MMPretrain's ``CustomDataset``) and write ``classes.txt``."""
        os.makedirs(osp.join(out_dir, 'meta'), exist_ok=True)
        labels = teacher_logits.argmax(dim=1).tolist()
        with open(osp.join(out_dir, 'meta', 'train.txt'), 'a') as f:
            f.writelines(f'{name} {label}\n'
                         for name, label in zip(filenames, labels))
        classes = (dataset_meta or {}).get('classes')
        if classes and not osp.isfile(osp.join(out_dir, 'classes.txt')):
            with open(osp.join(out_dir, 'classes.txt'), 'w') as f:
                f.writelines(f'{c}\n' for c in classes)
