# Copyright (c) mmddad contributors. All rights reserved.
"""Images in one folder per class, labelled by the folder's name."""
from typing import List, Tuple

from mmpretrain.datasets import CustomDataset

from mmddad.registry import DATASETS


@DATASETS.register_module()
class ClassFolderDataset(CustomDataset):
    """MMPretrain's ``CustomDataset`` of ``<data_prefix>/<class>/<image>``
    folders, whose labels follow the configured class names.

    ``CustomDataset`` numbers the folders alphabetically and, when
    ``metainfo.classes`` is given, checks only their count: a model whose
    classes are in another order (its labels, not the alphabet's) would be
    scored against shuffled labels. Here each folder's label is the index of
    its name in ``metainfo.classes``, and a folder whose name is not among
    them is an error that names it. Without ``metainfo.classes`` the labels
    are alphabetical, as in ``CustomDataset``.

    Args:
        **kwargs: The arguments of ``CustomDataset`` (``data_root``,
            ``data_prefix``, ``metainfo``, ``pipeline``, ...).
    """

    def _find_samples(self) -> List[Tuple[str, int]]:
        classes = None if self.CLASSES is None else list(self.CLASSES)
        samples = super()._find_samples()
        if not self.with_label or classes is None:
            return samples
        strangers = sorted(set(self.folder_to_idx) - set(classes))
        if strangers:
            raise ValueError(
                f'folders {strangers} of "{self.img_prefix}" are not among '
                f'the classes of `metainfo.classes` {classes}: the folder '
                'names must be the class names (the labels follow their '
                'order there)')
        label = {idx: classes.index(name)
                 for name, idx in self.folder_to_idx.items()}
        self.folder_to_idx = {name: classes.index(name)
                              for name in self.folder_to_idx}
        return [(path, label[idx]) for path, idx in samples]
