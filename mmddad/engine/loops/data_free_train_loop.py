# Copyright (c) mmddad contributors. All rights reserved.
"""An iteration-based training loop that reads no data."""
from typing import Dict, Iterator, List, Optional, Tuple, Union

import torch
from mmengine.device import get_device
from mmengine.dist import get_rank
from mmengine.runner import IterBasedTrainLoop

from mmddad.models.wrappers.unwrap import unwrap_model
from mmddad.registry import LOOPS
from mmddad.utils import check_number, install_safe_loader

_MASK63 = (1 << 63) - 1


class LatentStream:
    """What a data-free loop has instead of a dataloader.

    Iteration ``i`` on rank ``r`` gets a ``torch.Generator`` on the training
    device, seeded by a fixed function of (seed, r, i): every rank draws its
    own latents, and a resumed run draws exactly the latents the
    uninterrupted run would have, without saving any RNG state.

    Iterating gives the batches of iterations 0, 1, ... (MMEngine's
    ``IterBasedTrainLoop`` draws them with ``next`` and, on resume, skips
    the iterations already trained), each seeded by ``seed`` as it is when
    the batch is drawn: the loop sets it when it starts, after a resume has
    restored the run's seed.

    Args:
        batch_size (int): Synthetic images per step and per rank.
        num_iters (int): Length of the stream (the loop's ``max_iters``).
        seed (int): The run's seed. Defaults to 0.
    """

    #: No dataset: MMEngine reads ``dataset.metainfo`` only if present
    #: (``IterBasedTrainLoop`` says the visualizer gets none).
    dataset = None

    def __init__(self, batch_size: int, num_iters: int,
                 seed: int = 0) -> None:
        self.batch_size = batch_size
        self.num_iters = num_iters
        self.seed = seed
        self._rng: Optional[torch.Generator] = None

    def __len__(self) -> int:
        return self.num_iters

    def __iter__(self) -> Iterator[Dict[str, object]]:
        """The batches of iterations 0, 1, ... (endless), under ``seed``."""
        iteration = 0
        while True:
            yield self.batch(iteration, self.seed)
            iteration += 1

    def batch(self, iteration: int, seed: int) -> Dict[str, object]:
        """The data batch of ``iteration``: batch size and seeded RNG."""
        if self._rng is None:
            self._rng = torch.Generator(device=get_device())
        mixed = (seed * 0x9E3779B97F4A7C15 + get_rank() * 0xBF58476D1CE4E5B9 +
                 iteration * 0x94D049BB133111EB) & _MASK63
        self._rng.manual_seed(mixed)
        return dict(batch_size=self.batch_size, rng=self._rng)


@LOOPS.register_module()
class DataFreeTrainLoop(IterBasedTrainLoop):
    """Iteration-based loop for data-free distillation.

    MMEngine's ``IterBasedTrainLoop`` (its construction, ``run``,
    ``run_iter``, properties and ``dynamic_intervals``), built on a
    :class:`LatentStream` instead of a dataloader: each iteration's data
    batch is ``dict(batch_size, rng)``, and the model draws its latents on
    the device. No dataset is built and no worker is started; the
    configuration is checked first, and the optimiser wrappers when the
    run starts.

    Args:
        runner (Runner): The runner.
        dataloader (dict): The config's ``train_dataloader``: only
            ``batch_size`` (synthetic images per step and rank). A
            ``dataset`` key is refused: data-free training reads no data.
        max_iters (int): Total iterations.
        val_begin (int): Iteration from which to validate. Defaults to 1.
        val_interval (int): Validation interval. Defaults to 1000.
        dynamic_intervals (list[tuple[int, int]], optional): ``(milestone,
            interval)`` pairs: the validation interval from each milestone
            on, as in ``IterBasedTrainLoop``. Defaults to None.
    """

    def __init__(self,
                 runner,
                 dataloader: Union[dict, LatentStream, None],
                 max_iters: int,
                 val_begin: int = 1,
                 val_interval: int = 1000,
                 dynamic_intervals: Optional[List[Tuple[int, int]]] = None
                 ) -> None:
        install_safe_loader()  # Runner.train builds it before load_or_resume
        max_iters = check_number(max_iters, 'train_cfg.max_iters',
                                 integer=True, least=1)
        val_interval = check_number(val_interval, 'train_cfg.val_interval',
                                    integer=True, least=1)
        val_begin = check_number(val_begin, 'train_cfg.val_begin',
                                 integer=True, least=0)
        # a built stream, not a dict: MMEngine builds no DataLoader
        super().__init__(runner, self._make_stream(dataloader, max_iters),
                         max_iters, val_begin, val_interval,
                         _check_dynamic_intervals(dynamic_intervals))

    @staticmethod
    def _make_stream(dataloader: Union[dict, LatentStream, None],
                     max_iters: int) -> LatentStream:
        if isinstance(dataloader, LatentStream):
            return dataloader
        if not isinstance(dataloader, dict) or 'batch_size' not in dataloader:
            raise ValueError(
                '`train_dataloader` of a data-free config must be '
                '`dict(batch_size=N)`: the number of synthetic images per '
                f'step; got {dataloader!r}')
        extra = sorted(set(dataloader) - {'batch_size'})
        if 'dataset' in dataloader:
            raise ValueError(
                '`train_dataloader.dataset` is set, but data-free '
                'distillation reads no training data: remove it (keep only '
                '`train_dataloader=dict(batch_size=N)`). Real data belongs '
                'in `val_dataloader` / `test_dataloader`.')
        if extra:
            raise ValueError(f'`train_dataloader` of a data-free config takes '
                             f'only `batch_size`; remove {extra}')
        batch_size = check_number(dataloader['batch_size'],
                                  'train_dataloader.batch_size',
                                  integer=True, least=1)
        return LatentStream(batch_size, max_iters)

    def run(self) -> torch.nn.Module:
        """``IterBasedTrainLoop.run`` once the model has accepted the
        optimiser wrappers and the stream has the run's seed (restored by a
        resume, which comes after the loop is built)."""
        unwrap_model(self.runner.model).check_optim_wrapper(
            self.runner.optim_wrapper)
        self.dataloader.seed = self.runner.seed
        return super().run()


def _check_dynamic_intervals(
        intervals: Optional[list]) -> Optional[List[Tuple[int, int]]]:
    """``train_cfg.dynamic_intervals`` checked: (milestone, interval) pairs
    of integers, milestones increasing, intervals >= 1."""
    if intervals is None:
        return None
    if not isinstance(intervals, (list, tuple)):
        raise TypeError('`train_cfg.dynamic_intervals` must be a list of '
                        f'(milestone, interval) pairs, got {intervals!r}')
    pairs = []
    for i, pair in enumerate(intervals):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise TypeError(
                f'`train_cfg.dynamic_intervals[{i}]` must be a (milestone, '
                f'interval) pair, got {pair!r}')
        pairs.append((
            check_number(pair[0], f'train_cfg.dynamic_intervals[{i}][0]',
                         integer=True, least=0),
            check_number(pair[1], f'train_cfg.dynamic_intervals[{i}][1]',
                         integer=True, least=1)))
    milestones = [m for m, _ in pairs]
    if milestones != sorted(set(milestones)):
        raise ValueError('`train_cfg.dynamic_intervals`: the milestones must '
                         f'increase, got {milestones}')
    return pairs
