# Copyright (c) mmddad contributors. All rights reserved.
"""Fast-Datafree's own generator terms (Fang et al., AAAI 2022)."""
import torch
import torch.nn.functional as F

from mmddad.registry import MODELS
from .base_loss_term import BaseLossTerm


@MODELS.register_module()
class RandomTargetCrossEntropyLoss(BaseLossTerm):
    """Cross-entropy of the teacher's logits against class targets drawn at
    random for the synthesis (``batch.targets``): each image is pulled
    towards a class the teacher recognises, the classes balanced by the
    draw. Classification; the algorithm must draw the targets
    (``FastMetaDDAD`` with ``random_targets=True``).

    Args:
        loss_weight (float): Multiplier of the term. Defaults to 1.
    """

    def loss(self, batch) -> torch.Tensor:
        """``CE(T(x), targets)``."""
        if batch.targets is None:
            raise RuntimeError(
                f'`model.generator_losses.{self.loss_name}` '
                f'({type(self).__name__}) needs class targets drawn for '
                'the synthesis: use an algorithm that draws them (e.g. '
                '`FastMetaDDAD` with `random_targets=True`)')
        return F.cross_entropy(batch.teacher_logits.float(), batch.targets)


@MODELS.register_module()
class AgreementMaskedKLLoss(BaseLossTerm):
    """Fast-Datafree's adversarial term: ``-KL(T || S)`` per sample (per
    pixel for segmentation), counted only where student and teacher predict
    the same class, so the generator seeks hard samples the student still
    gets right rather than ones the teacher is unsure of.

    Args:
        loss_weight (float): Multiplier of the term. Defaults to 1.
    """

    needs_student = True

    def loss(self, batch) -> torch.Tensor:
        """``-mean(KL(softmax t || softmax s) * [argmax s == argmax t])``."""
        student = batch.student_logits.float()
        teacher = batch.teacher_logits.float()
        kl = F.kl_div(F.log_softmax(student, dim=1),
                      F.softmax(teacher, dim=1), reduction='none').sum(1)
        agree = (student.argmax(1) == teacher.argmax(1)).float()
        return -(kl * agree).mean()
