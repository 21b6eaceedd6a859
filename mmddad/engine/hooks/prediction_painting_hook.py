# Copyright (c) mmddad contributors. All rights reserved.
"""Paint a model's predictions on the test images (``test.py --show-dir``)."""
import os.path as osp
from typing import Optional, Sequence

import mmcv
import torch
import torch.nn as nn
from mmengine.hooks import Hook

from mmddad.models.task_adapters import BaseTaskAdapter, build_task_adapter
from mmddad.models.wrappers import unwrap_model
from mmddad.registry import HOOKS
from mmddad.visualization import loaded_to_rgb


@HOOKS.register_module()
class PredictionPaintingHook(Hook):
    """Save one picture per ``interval``-th test image: the prediction of
    the tested model (a distiller's student, or any classifier or segmentor)
    painted by its task adapter, with the ground truth: class names under
    the image for classifiers; image, predicted and ground-truth masks side
    by side with a colour legend for segmentors.

    MMPretrain's and MMSeg's visualisation hooks need their own visualisers
    and, for MMSeg, images re-read from ``img_path``; this one paints the
    loaded images of any dataset (also generated ones) the same way for
    every task.

    Args:
        out_dir (str): Folder of the pictures; a relative path is taken
            under ``<work_dir>/<timestamp>/``, as in MMPretrain and MMSeg.
        interval (int): Paint every ``interval``-th test image. Defaults
            to 1.
        min_size (int): Enlarge images to at least this shorter side.
            Defaults to 128.
        with_teacher (bool): Paint a distiller's teacher's prediction
            beside its student's. Defaults to False.
    """

    priority = 'LOW'

    def __init__(self, out_dir: str, interval: int = 1,
                 min_size: int = 128, with_teacher: bool = False) -> None:
        if interval < 1:
            raise ValueError('PredictionPaintingHook: `interval` must be '
                             f'>= 1, got {interval}')
        self.out_dir = out_dir
        self.interval = interval
        self.min_size = min_size
        self.with_teacher = with_teacher
        self._teacher: Optional[nn.Module] = None
        self._adapter: Optional[BaseTaskAdapter] = None
        self._meta: dict = {}
        self._seen = 0

    def before_test(self, runner) -> None:
        """Resolve the folder, the task adapter and the class names."""
        self.out_dir = osp.join(runner.work_dir, runner.timestamp,
                                self.out_dir)
        model = unwrap_model(runner.model)
        # a distiller tests its student with its own adapter
        self._adapter = getattr(model, 'adapter', None) or \
            build_task_adapter(None, model)
        if self.with_teacher:
            self._teacher = getattr(model, 'teacher', None)
            if not isinstance(self._teacher, nn.Module):
                raise ValueError(
                    'PredictionPaintingHook: `with_teacher` (tools/test.py '
                    f'--show-teacher) needs a distiller; '
                    f'{type(model).__name__} has no teacher')
        self._meta = dict(getattr(runner.test_dataloader.dataset, 'metainfo',
                                  {}) or {})
        self._seen = 0

    def after_test_iter(self,
                        runner,
                        batch_idx: int,
                        data_batch: Optional[dict] = None,
                        outputs: Optional[Sequence] = None) -> None:
        """Paint the batch's images whose index is a multiple of
        ``interval``."""
        start, self._seen = self._seen, self._seen + len(outputs)
        chosen = [i for i in range(len(outputs))
                  if (start + i) % self.interval == 0]
        if not chosen:
            return
        images = [loaded_to_rgb(data_batch['inputs'][i]) for i in chosen]
        samples = [outputs[i] for i in chosen]
        taught = None
        if self._teacher is not None:
            with torch.no_grad():
                taught = self._teacher.test_step(data_batch)
            taught = [taught[i] for i in chosen]
        pictures = self._adapter.paint_predictions(
            images, samples, self._meta, self.min_size, teacher_samples=taught)
        for i, sample, picture in zip(chosen, samples, pictures):
            path = sample.get('img_path') if hasattr(sample, 'get') else None
            name = osp.splitext(osp.basename(path))[0] if path else \
                f'{start + i:06d}'
            mmcv.imwrite(mmcv.rgb2bgr(picture),
                         osp.join(self.out_dir, f'{name}.png'))
