# Copyright (c) mmddad contributors. All rights reserved.
"""Task adapter of MMPretrain image classifiers."""
from typing import List, Optional

import os
import os.path as osp

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.models import BaseClassifier

from mmddad.registry import TASK_UTILS
from mmddad.visualization import add_caption, enlarge
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

    @staticmethod
    def _name(label: int, dataset_meta: dict) -> str:
        classes = (dataset_meta or {}).get('classes')
        return str(classes[label]) if classes else str(label)

    def draw_predictions(self, images: List[np.ndarray],
                         teacher_logits: torch.Tensor, dataset_meta: dict,
                         min_size: int = 64) -> List[np.ndarray]:
        """Write the teacher's predicted class name under each image."""
        labels = teacher_logits.argmax(dim=1).tolist()
        return [
            add_caption(enlarge(img, min_size),
                        [self._name(label, dataset_meta)], (200, 30, 30))
            for img, label in zip(images, labels)
        ]

    def _caption(self, title: str, sample, dataset_meta: dict) -> str:
        """``title: class (score)`` of a sample's predicted label."""
        label = int(sample.pred_label)
        return (f'{title}: {self._name(label, dataset_meta)} '
                f'({float(sample.pred_score[label]):.2f})')

    def paint_predictions(
            self,
            images: List[np.ndarray],
            data_samples: list,
            dataset_meta: dict,
            min_size: int = 64,
            teacher_samples: Optional[list] = None) -> List[np.ndarray]:
        """Each image with its predicted class and score under it (with
        ``teacher_samples``, the teacher's under the student's), and the
        ground-truth class (in red when the prediction is wrong)."""
        out = []
        teachers = teacher_samples or [None] * len(data_samples)
        for img, sample, teacher in zip(images, data_samples, teachers):
            lines = [self._caption('pred' if teacher is None else 'student',
                                   sample, dataset_meta)]
            if teacher is not None:
                lines.append(self._caption('teacher', teacher, dataset_meta))
            wrong = False
            if 'gt_label' in sample:
                truth = int(sample.gt_label)
                wrong = truth != int(sample.pred_label)
                lines.append(f'gt: {self._name(truth, dataset_meta)}')
            out.append(add_caption(enlarge(img, min_size), lines,
                                   (200, 30, 30) if wrong else (0, 0, 0)))
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
