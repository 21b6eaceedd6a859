# Copyright (c) mmddad contributors. All rights reserved.
"""The one place that knows how to read logits out of a task's models."""
from abc import ABCMeta, abstractmethod
from typing import List, Optional, Tuple

import numpy as np

import torch
import torch.nn as nn


class BaseTaskAdapter(metaclass=ABCMeta):
    """Reads raw logits out of the models of one task.

    The algorithm never branches on the task: it asks its adapter for
    logits and compares them with a discrepancy loss whose class dim is 1.
    """

    #: Name of the task, used in error messages.
    task: str = ''
    #: The base class of the task's models.
    model_type: type = nn.Module
    #: Whether the task's models are trained on crops and run on inputs of
    #: any size (a generator may then draw smaller images than the teacher's
    #: training crops, as DFAD's 128x128 for segmentation).
    takes_smaller_inputs: bool = False

    @classmethod
    def accepts(cls, model: nn.Module) -> bool:
        """Whether ``model`` is of this adapter's task (a ``model_type``)."""
        return isinstance(model, cls.model_type)

    @abstractmethod
    def logits(self, model: nn.Module, inputs: torch.Tensor) -> torch.Tensor:
        """Raw logits of ``model`` for already-normalised ``inputs``.

        Args:
            model (nn.Module): A teacher or a student.
            inputs (Tensor): (N, C, H, W), in the model's normalised space
                (the data preprocessor is bypassed).

        Returns:
            Tensor: (N, num_classes, ...), class dim at 1.
        """

    def logits_and_features(self, model: nn.Module, inputs: torch.Tensor
                            ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Logits and the features the model's head reads.

        The features are the output of the neck (or of the backbone when
        there is no neck), recorded by a forward hook during the one forward
        :meth:`logits` runs; the last one of a tuple of stages.

        Args:
            model (nn.Module): An unwrapped teacher or student.
            inputs (Tensor): (N, C, H, W), normalised.

        Returns:
            tuple[Tensor, Tensor]: Logits as :meth:`logits`, and features
            (N, C', ...).
        """
        module = getattr(model, 'neck', None) or getattr(
            model, 'backbone', None)
        if module is None:
            raise TypeError(f'{type(model).__name__} has no `neck` or '
                            '`backbone` whose output could be read')
        seen: List[Optional[torch.Tensor]] = [None]

        def hook(_module: nn.Module, _inputs, output) -> None:
            seen[0] = output[-1] if isinstance(output, (tuple, list)) \
                else output

        handle = module.register_forward_hook(hook)
        try:
            logits = self.logits(model, inputs)
        finally:
            handle.remove()
        return logits, seen[0]

    @abstractmethod
    def predict(self, model: nn.Module, logits: torch.Tensor,
                data_samples: list) -> list:
        """Turn logits computed outside ``model`` (e.g. by an exported copy
        in ONNX Runtime) into the predictions ``model.val_step`` gives, for
        the task's evaluator.

        Args:
            model (nn.Module): The model the logits are of (for its
                post-processing settings).
            logits (Tensor): As :meth:`logits` returns them for the batch's
                preprocessed inputs.
            data_samples (list): The batch's data samples (filled in).

        Returns:
            list: The data samples with their predictions.
        """

    @abstractmethod
    def draw_predictions(self, images: List[np.ndarray],
                         teacher_logits: torch.Tensor, dataset_meta: dict,
                         min_size: int = 64) -> List[np.ndarray]:
        """Annotate images with the teacher's predictions.

        Args:
            images (list[np.ndarray]): RGB uint8 images, (H, W, 3).
            teacher_logits (Tensor): The teacher's logits on them.
            dataset_meta (dict): ``classes`` (and ``palette``) if known.
            min_size (int): Enlarge images to at least this shorter side.

        Returns:
            list[np.ndarray]: Annotated RGB uint8 images, all of one size.
        """

    def legend(self, dataset_meta: dict,
               num_classes: int, width: int) -> Optional[np.ndarray]:
        """A colour legend of :meth:`draw_predictions`' colours, to be put
        under a grid of them (None: the drawings need none).

        Args:
            dataset_meta (dict): ``classes`` (and ``palette``) if known.
            num_classes (int): Number of classes of the logits.
            width (int): Width of the legend in pixels.
        """
        return None

    @abstractmethod
    def paint_predictions(
            self,
            images: List[np.ndarray],
            data_samples: list,
            dataset_meta: dict,
            min_size: int = 64,
            teacher_samples: Optional[list] = None) -> List[np.ndarray]:
        """Paint a model's predictions (and the ground truth, if known) of
        real test images, as ``tools/test.py --show-dir`` saves them.

        Args:
            images (list[np.ndarray]): The loaded images, RGB uint8
                (H, W, 3).
            data_samples (list): Their data samples with predictions, as
                the model's ``test_step`` returns them.
            dataset_meta (dict): ``classes`` (and ``palette``) if known.
            min_size (int): Enlarge images to at least this shorter side.
            teacher_samples (list, optional): The teacher's predictions of
                the same images, painted beside the tested student's
                (``tools/test.py --show-teacher``).

        Returns:
            list[np.ndarray]: One RGB uint8 picture per image.
        """

    @abstractmethod
    def write_annotations(self, out_dir: str, filenames: List[str],
                          teacher_logits: torch.Tensor,
                          dataset_meta: dict) -> None:
        """Write the teacher's labels of saved synthetic images in the
        task's standard dataset format (called once per batch, in order).

        Args:
            out_dir (str): The dataset folder.
            filenames (list[str]): Image paths relative to ``out_dir``.
            teacher_logits (Tensor): The teacher's logits on the saved
                images (as a dataset would load them).
            dataset_meta (dict): ``classes`` if known.
        """
