# Copyright (c) mmddad contributors. All rights reserved.
"""Stop a classifier scored on data of another number of classes."""
from typing import Optional, Sequence

from mmengine.hooks import Hook
from mmpretrain.models import BaseClassifier

from mmddad.models.task_adapters import ClassifierAdapter
from mmddad.models.wrappers import unwrap_model
from mmddad.registry import HOOKS


@HOOKS.register_module()
class ClassCountCheckHook(Hook):
    """Raise ``ValueError`` when the model predicts another number of
    classes than its validation or test dataset has (``metainfo.classes``):
    a 100-class teacher and student scored on 10-class data run without an
    error, their scores meaningless.

    A distiller (its teacher and student, whose class counts agree) or a
    classifier with ``head.num_classes`` is checked against the validation
    data before training starts; every model is checked again on the first
    batch of each validation and test, by the length of its predicted
    scores (a ``TorchClassifier`` has no ``num_classes``). Segmentors and
    datasets without ``metainfo.classes`` are not checked.

    Args:
        model_key (str): How the error names a model that is not a
            distiller (a distiller's are ``model.teacher`` and
            ``model.student``). Defaults to ``'model'``.
    """

    priority = 'VERY_HIGH'

    def __init__(self, model_key: str = 'model') -> None:
        self.model_key = model_key

    def before_train(self, runner) -> None:
        """Check the model's declared class count against the validation
        data, if the run validates."""
        if runner.val_loop is not None:
            self._check(runner, declared_class_count(runner.model),
                        runner.val_loop.dataloader, 'val_dataloader')

    def _after_iter(self,
                    runner,
                    batch_idx: int,
                    data_batch: Optional[dict] = None,
                    outputs: Optional[Sequence] = None,
                    mode: str = 'train') -> None:
        """Check the scores of the first validation or test batch (MMEngine
        calls this from ``after_val_iter`` and ``after_test_iter``)."""
        if mode in ('val', 'test') and batch_idx == 0:
            self._check(runner, predicted_class_count(outputs),
                        getattr(runner, f'{mode}_loop').dataloader,
                        f'{mode}_dataloader')

    def _check(self, runner, count: Optional[int], dataloader,
               key: str) -> None:
        classes = getattr(dataloader.dataset, 'metainfo', {}).get('classes')
        if count is None or classes is None or count == len(classes):
            return
        model = unwrap_model(runner.model)
        names = '`model.teacher` and `model.student` predict' if hasattr(
            model, 'teacher') and hasattr(model, 'student') else \
            f'`{self.model_key}` predicts'
        raise ValueError(
            f'{names} {count} classes but `{key}.dataset` has '
            f'{len(classes)} (`metainfo.classes`): the scores would compare '
            'labels of different classes; use a model of the data\'s '
            'classes (e.g. its `head.num_classes`) or data of the model\'s, '
            'or set `default_hooks.class_count=None` if this is intended')


def declared_class_count(model) -> Optional[int]:
    """The number of classes a classifier or a classification distiller
    predicts, as far as it is known without running it; None otherwise."""
    model = unwrap_model(model)
    if isinstance(getattr(model, 'adapter', None), ClassifierAdapter):
        return int(model.logits_shape[0])  # a distiller: checked at build
    if isinstance(model, BaseClassifier):
        return getattr(getattr(model, 'head', None), 'num_classes', None)
    return None


def predicted_class_count(outputs: Optional[Sequence]) -> Optional[int]:
    """The length of the class scores of a batch's first prediction (an
    MMPretrain ``DataSample``), or None."""
    score = getattr(outputs[0], 'pred_score', None) if outputs else None
    return None if score is None else len(score)
