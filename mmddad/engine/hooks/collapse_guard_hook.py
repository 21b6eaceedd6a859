# Copyright (c) mmddad contributors. All rights reserved.
"""Stop a data-free run that has collapsed, and keep its last good
checkpoint."""
import os
import os.path as osp
import shutil
from typing import Dict, List, Optional, Tuple

from mmengine.dist import (broadcast_object_list, is_distributed,
                           is_main_process, master_only)
from mmengine.hooks import Hook

from mmddad.models.wrappers import unwrap_model
from mmddad.registry import HOOKS
from mmddad.utils import ReportedError

#: The headline metric of each task, in order of preference.
HEADLINE_METRICS = ('accuracy/top1', 'mIoU')
#: A hard link to the last checkpoint validated better than chance.
LAST_GOOD = 'last_above_chance.pth'


class TrainingCollapseError(ReportedError, RuntimeError):
    """A data-free run collapsed (a frozen generator, a student at
    chance)."""


@HOOKS.register_module()
class CollapseGuardHook(Hook):
    """Stop a data-free run whose generator or student has collapsed.

    Checked at each validation, from values already on the host (the
    losses the runner logs, the validation metrics): nothing is added to
    the training step. Under DDP rank 0 decides for every rank.

    - **A frozen generator**: a term of ``model.generator_losses`` whose
      logged value has not changed (relative ``rtol``) over ``patience + 1``
      validations in a row. A generator pushed too far (e.g. a learning
      rate far too high) saturates and draws the same image for every
      latent; every loss stays finite, so nothing else notices.
    - **A student at chance**: the headline metric (top-1 accuracy, mIoU)
      at or below ``chance + chance_margin * (100 - chance)`` (chance:
      100 / number of classes) for ``patience`` validations in a row, after
      having reached ``chance + above_margin * (100 - chance)``.

    The checkpoints of the last validations better than chance are kept as
    hidden hard links (copies where links are not possible), so checkpoint
    rotation (``max_keep_ckpts``) cannot delete them; when the guard stops a
    run it names the last one from before the collapse began as
    ``last_above_chance.pth`` in the work dir.

    Args:
        patience (int): See above. Defaults to 2.
        rtol (float): Relative change below which a term is unchanged.
            Defaults to 1e-5.
        chance_margin (float): See above. Defaults to 0.05.
        above_margin (float): See above. Defaults to 0.25.
        stop (bool): Stop the run (raise :class:`TrainingCollapseError`).
            False only logs the message as a warning (for ablations whose
            collapse is the result being measured). Defaults to True.
    """

    priority = 'LOW'

    def __init__(self,
                 patience: int = 2,
                 rtol: float = 1e-5,
                 chance_margin: float = 0.05,
                 above_margin: float = 0.25,
                 stop: bool = True) -> None:
        if patience < 1:
            raise ValueError('`CollapseGuardHook.patience` must be >= 1, got '
                             f'{patience}')
        self.patience = patience
        self.rtol = rtol
        self.chance_margin = chance_margin
        self.above_margin = above_margin
        self.stop = stop
        # name -> [(iteration, value)] of the last validations
        self.term_history: Dict[str, List[Tuple[int, float]]] = {}
        self.best: Optional[Dict[str, float]] = None
        self.at_chance = 0
        # (iteration, hidden link) of the last checkpoints better than chance
        self.candidates: List[Tuple[int, str]] = []

    # ------------------------------------------------------------- checks
    def after_val_epoch(self, runner,
                        metrics: Optional[Dict[str, float]] = None) -> None:
        """Check the generator terms and the student's score."""
        frozen = self._frozen_term(runner)
        chance = self._at_chance(runner, metrics, keep=frozen is None)
        problems = [p for p in (frozen, chance) if p]
        if is_distributed():  # one decision for every rank
            shared = [problems]
            broadcast_object_list(shared)
            problems = shared[0]
        if not problems:
            return
        since = runner.iter
        if frozen is not None:
            since = min(it for history in self.term_history.values()
                        for it, _ in history)
        message = (f'iteration {runner.iter}: ' + ' '.join(problems) + ' ' +
                   self._publish_last_good(runner, since))
        if self.stop:
            # raised, not `stop_training`: the run must end with an error
            # before its collapsed weights are saved again
            raise TrainingCollapseError(
                message + ' The run was stopped (set '
                '`default_hooks.collapse_guard.stop=False` to only warn).')
        runner.logger.warning(message)

    def _frozen_term(self, runner) -> Optional[str]:
        """A generator term unchanged for ``patience + 1`` validations."""
        model = unwrap_model(runner.model)
        if not getattr(model, 'generator_steps', 0):
            return None
        for name in list(getattr(model, 'generator_losses', {}) or {}):
            key = f'train/{name}'
            if key not in runner.message_hub.log_scalars:
                continue
            value = float(runner.message_hub.get_scalar(key).current())
            history = self.term_history.setdefault(name, [])
            history.append((runner.iter, value))
            del history[:-(self.patience + 1)]
            if len(history) <= self.patience:
                continue
            first = history[0][1]
            if all(abs(v - first) <= self.rtol * max(abs(first), 1e-12)
                   for _, v in history[1:]):
                return (f'the generator term {name} has stayed at '
                        f'{first:.6g} for {self.patience + 1} validations: '
                        'the generator has collapsed (it draws the same '
                        'image for every latent), most likely because its '
                        'learning rate (`optim_wrapper.generator.optimizer.'
                        'lr`) or that term\'s weight is too high.')
        return None

    def _at_chance(self, runner, metrics: Optional[Dict[str, float]],
                   keep: bool) -> Optional[str]:
        """The student's score back at chance after having been above; a
        validation better than chance keeps its checkpoint if ``keep``."""
        metric = next((m for m in HEADLINE_METRICS if m in (metrics or {})),
                      None)
        classes = (getattr(runner.val_evaluator, 'dataset_meta', None)
                   or {}).get('classes')
        if metric is None or not classes:
            return None
        score = float(metrics[metric])
        chance = 100.0 / len(classes)
        at_chance = chance + self.chance_margin * (100 - chance)
        above = chance + self.above_margin * (100 - chance)
        if score > at_chance:
            self.at_chance = 0
            if keep:
                self._keep_candidate(runner)
        else:
            self.at_chance += 1
        if score >= above and (self.best is None
                               or score > self.best['score']):
            self.best = dict(score=score, iter=runner.iter)
        if self.at_chance >= self.patience and self.best is not None:
            return (f'the student\'s {metric} fell to {score:.2f} (chance '
                    f'for {len(classes)} classes is {chance:.2f}) for '
                    f'{self.at_chance} validations, after '
                    f'{self.best["score"]:.2f} at iteration '
                    f'{self.best["iter"]}: training has diverged, most '
                    'likely because a learning rate '
                    '(`optim_wrapper.student.optimizer.lr`, '
                    '`optim_wrapper.generator.optimizer.lr`) is too high.')
        return None

    # ------------------------------------------------- the last good ones
    @master_only
    def _keep_candidate(self, runner) -> None:
        """Hard-link the checkpoint of this iteration, if one was saved."""
        last = osp.join(runner.work_dir, 'last_checkpoint')
        if not osp.isfile(last):
            return
        with open(last) as f:
            path = f.read().strip()
        if not path or not osp.isfile(path) or osp.basename(path) not in (
                f'iter_{runner.iter}.pth', f'epoch_{runner.epoch}.pth'):
            return
        link = osp.join(runner.work_dir,
                        f'.above_chance_iter_{runner.iter}.pth')
        _link(path, link)
        self.candidates.append((runner.iter, link))
        for _, old in self.candidates[:-(self.patience + 2)]:
            if osp.lexists(old):
                os.remove(old)
        del self.candidates[:-(self.patience + 2)]

    def _publish_last_good(self, runner, since: int) -> str:
        """Link the last kept checkpoint from before iteration ``since`` as
        :data:`LAST_GOOD` and say so."""
        kept = [(it, p) for it, p in self.candidates
                if it < since and osp.isfile(p)]
        if not kept or not is_main_process():
            return ('No checkpoint from before the collapse was validated '
                    'better than chance.')
        iteration, path = kept[-1]
        target = osp.join(runner.work_dir, LAST_GOOD)
        _link(path, target)
        return (f'The last checkpoint validated better than chance before '
                f'it is kept as "{target}" (iteration {iteration}): start a '
                f'new run from it with --cfg-options load_from={target} and '
                'the lower learning rate (a --resume keeps the optimiser\'s '
                'learning rates).')

    # -------------------------------------------------------------- resume
    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Keep what the guard has seen, so a resumed run goes on."""
        checkpoint.setdefault('meta', {})['collapse_guard'] = dict(
            term_history=self.term_history, best=self.best,
            at_chance=self.at_chance, candidates=self.candidates)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Continue from a resumed checkpoint (not from ``load_from``)."""
        state = checkpoint.get('meta', {}).get('collapse_guard')
        if state is None or not getattr(runner, '_resume', False):
            return
        self.term_history = {
            k: [tuple(p) for p in v]
            for k, v in state['term_history'].items()
        }
        self.best = state['best']
        self.at_chance = state.get('at_chance', 0)
        self.candidates = [tuple(c) for c in state.get('candidates', [])]


def _link(source: str, target: str) -> None:
    """Make ``target`` a hard link of ``source`` (a copy where the file
    system has none), replacing it atomically."""
    tmp = f'{target}.tmp'
    if osp.lexists(tmp):
        os.remove(tmp)
    try:
        os.link(source, tmp)
    except OSError:
        shutil.copyfile(source, tmp)
    os.replace(tmp, target)
