# Copyright (c) mmddad contributors. All rights reserved.
"""Step decay at fractions of the run, so a schedule is written once."""
from typing import List, Sequence

from mmengine.optim import MultiStepLR
from mmengine.optim.scheduler.param_scheduler import INF

from mmddad.registry import PARAM_SCHEDULERS


@PARAM_SCHEDULERS.register_module()
class RelativeMultiStepLR(MultiStepLR):
    """MMEngine's :class:`MultiStepLR` with milestones given as fractions of
    the scheduler's span ``[begin, end)``.

    The runner sets ``end`` to the train loop's ``max_iters`` (or
    ``max_epochs``) when the config leaves it out, so a config that changes
    ``train_cfg.max_iters`` moves the milestones with it: milestone ``i`` is
    ``begin + int(milestone_ratios[i] * (end - begin))``.

    Args:
        optimizer: Wrapped optimiser (optim wrapper).
        milestone_ratios (Sequence[float]): Increasing fractions in (0, 1).
        gamma (float): Multiplicative decay. Defaults to 0.1.
        begin (int): First step of the schedule. Defaults to 0.
        end (int): Step after the last; must be finite (the runner's
            default). Defaults to INF.
        **kwargs: ``last_step``, ``by_epoch``, ``verbose`` of
            :class:`MultiStepLR`.
    """

    def __init__(self,
                 optimizer,
                 milestone_ratios: Sequence[float],
                 gamma: float = 0.1,
                 begin: int = 0,
                 end: int = INF,
                 **kwargs) -> None:
        ratios = [float(r) for r in milestone_ratios]
        if not ratios or any(not 0 < r < 1 for r in ratios) or \
                ratios != sorted(ratios):
            raise ValueError('`param_scheduler.milestone_ratios` must be '
                             'increasing fractions in (0, 1), got '
                             f'{list(milestone_ratios)}')
        if end == INF:
            raise ValueError(
                '`param_scheduler.end` is not set and the runner did not set '
                'it from `train_cfg.max_iters`: set `end`, or use the '
                'scheduler in a runner with a train loop')
        milestones: List[int] = [
            begin + int(r * (end - begin)) for r in ratios
        ]
        self.milestone_ratios = ratios
        super().__init__(
            optimizer, milestones=milestones, gamma=gamma, begin=begin,
            end=end, **kwargs)
