# Copyright (c) mmddad contributors. All rights reserved.
"""Images in one folder per class, labelled by the folder's name."""
import random
from contextlib import contextmanager
from typing import Any, Iterator, List, Optional, Tuple

import numpy as np
import torch
from mmpretrain.datasets import CustomDataset
from mmpretrain.datasets.custom import find_folders, get_samples

from mmddad.registry import DATASETS


@DATASETS.register_module()
class ClassFolderDataset(CustomDataset):
    """MMPretrain's ``CustomDataset`` of ``<data_prefix>/<class>/<image>``
    folders, whose labels follow the configured class names, checked so that
    no part of the data is silently left out or changed.

    ``CustomDataset`` numbers the folders alphabetically and, when
    ``metainfo.classes`` is given, checks only their count: a model whose
    classes are in another order (its labels, not the alphabet's) would be
    scored against shuffled labels. Here each folder's label is the index of
    its name in ``metainfo.classes``; a folder whose name is not among them,
    a class without a folder and a folder without an image are errors that
    name them. Without ``metainfo.classes`` the labels are alphabetical, as
    in ``CustomDataset``.

    With ``same_size`` (the default), every image must have the size (and
    channels) of the dataset's first one after the pipeline: the data
    preprocessor would pad a smaller image and every other image of its
    batch with zeros, and change their scores without a word.

    Args:
        same_size (bool): Check that every image has the same shape after
            the pipeline. Defaults to True; set it to False for a pipeline
            that gives images of several sizes on purpose.
        **kwargs: The arguments of ``CustomDataset`` (``data_root``,
            ``data_prefix``, ``metainfo``, ``pipeline``, ...).
    """

    def __init__(self, same_size: bool = True, **kwargs) -> None:
        self.same_size = same_size
        #: Path and shape of the first image after the pipeline, once known.
        self._reference: Optional[Tuple[str, Tuple[int, ...]]] = None
        super().__init__(**kwargs)

    def _find_samples(self) -> List[Tuple[str, int]]:
        if not self.with_label:
            return super()._find_samples()
        root = self.img_prefix
        folders, _ = find_folders(root)
        if not folders:
            raise FileNotFoundError(
                f'no class folder in "{root}": the images go in '
                '<data_prefix>/<class name>/')
        classes = folders if self.CLASSES is None else list(self.CLASSES)
        strangers = sorted(set(folders) - set(classes))
        missing = [name for name in classes if name not in folders]
        if strangers or missing:
            raise ValueError(
                f'the class folders of "{root}" do not match '
                f'`metainfo.classes` {classes}: ' + '; '.join(
                    [f'folders {strangers} are not among the classes'] *
                    bool(strangers) +
                    [f'classes {missing} have no folder'] * bool(missing)) +
                ' (the folder names must be the class names; the labels '
                'follow their order there)')
        self.folder_to_idx = {name: classes.index(name) for name in folders}
        samples, empty = get_samples(
            root, self.folder_to_idx, is_valid_file=self.is_valid_file)
        if empty:
            raise ValueError(
                f'class folders {sorted(empty)} of "{root}" hold no image '
                f'({", ".join(sorted(self.extensions))}): a class without '
                'images would be scored as if it were complete')
        if self.CLASSES is None:
            self._metainfo['classes'] = tuple(folders)
        return samples

    def prepare_data(self, idx: int) -> Any:
        """The pipeline's result for image ``idx``, its shape checked
        against the first image's (``same_size``).

        Raises:
            ValueError: The image has another shape after the pipeline than
                the dataset's first one; the message names both files and
                both shapes.
        """
        data = super().prepare_data(idx)
        shape = _input_shape(data)
        if not self.same_size or shape is None:
            return data
        if self._reference is None:
            if idx == 0:
                first = data
            else:  # the same images and augmentations as without the check
                with _random_state_kept():
                    first = super().prepare_data(0)
            self._reference = (self.get_data_info(0)['img_path'],
                               _input_shape(first))
        first_path, first_shape = self._reference
        if first_shape is not None and shape != first_shape:
            path = self.get_data_info(idx)['img_path']
            raise ValueError(
                f'image "{path}" is {_size(shape)} after the pipeline but the '
                f'dataset\'s first, "{first_path}", is {_size(first_shape)}: '
                'the data preprocessor would zero-pad its whole batch to the '
                'largest size and change the scores; give all images one size '
                '(or add a resize to the pipeline), or set the dataset\'s '
                '`same_size=False` if sizes may differ')
        return data


def _input_shape(data: Any) -> Optional[Tuple[int, int, int]]:
    """The shape (C, H, W) of the image ``PackInputs`` gave, or None."""
    image = data.get('inputs') if isinstance(data, dict) else None
    shape = getattr(image, 'shape', None)
    return tuple(shape) if shape is not None and len(shape) == 3 else None


def _size(shape: Tuple[int, int, int]) -> str:
    return f'{shape[1]}x{shape[2]} ({shape[0]} channels)'


@contextmanager
def _random_state_kept() -> Iterator[None]:
    """Restore the random generators a pipeline draws from (Python's,
    NumPy's, torch's) after the body."""
    states = random.getstate(), np.random.get_state(), torch.get_rng_state()
    try:
        yield
    finally:
        random.setstate(states[0])
        np.random.set_state(states[1])
        torch.set_rng_state(states[2])
