# Copyright (c) mmddad contributors. All rights reserved.
"""Stop a data-free run that has collapsed, and keep its last good
checkpoint."""
import os
import os.path as osp
import shutil
from typing import Dict, List, Optional

from mmengine.dist import master_only
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmddad.registry import HOOKS

#: The headline metric of each task, in order of preference.
HEADLINE_METRICS = ('accuracy/top1', 'mIoU')
#: A hard link to the last checkpoint validated better than chance.
LAST_GOOD = 'last_above_chance.pth'


class TrainingCollapseError(RuntimeError):
    """A data-free run collapsed (a frozen generator, a student at
    chance)."""


@HOOKS.register_module()
class CollapseGuardHook(Hook):
    """Stop a data-free run whose generator or student has collapsed.

    Checked at each validation, from values already on the host (the
    losses the runner logs, the validation metrics): nothing is added to
    the training step.

    - **A frozen generator**: a term of ``model.generator_losses`` whose
      logged value has not changed (relative ``rtol``) over ``patience``
      validations in a row. A generator pushed too far (e.g. a learning rate
      far too high) saturates and draws the same image for every latent;
      every loss stays finite, so nothing else notices.
    - **A student at chance**: the headline metric (top-1 accuracy, mIoU)
      falls to ``chance + chance_margin * (100 - chance)`` (chance: 100 /
      number of classes) after having reached ``chance + above_margin *
      (100 - chance)``.

    Each validation better than chance whose iteration has a checkpoint
    links it (a hard link, a copy where links are not possible) as
    ``last_above_chance.pth`` in the work dir, so checkpoint rotation
    (``max_keep_ckpts``) never deletes the last good weights; the error
    names that file.

    Args:
        patience (int): Validations in a row with an unchanged generator
            term that count as a collapse. Defaults to 2.
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
        self.term_history: Dict[str, List[float]] = {}
        self.best: Optional[Dict[str, float]] = None
        self.last_good: Optional[str] = None

    # ------------------------------------------------------------- checks
    def after_val_epoch(self, runner,
                        metrics: Optional[Dict[str, float]] = None) -> None:
        """Check the generator terms and the student's score."""
        problems = [self._frozen_term(runner), self._at_chance(runner,
                                                               metrics)]
        problems = [p for p in problems if p]
        if not problems:
            return
        message = (f'iteration {runner.iter}: ' + ' '.join(problems) +
                   ' ' + self._last_good_note())
        if self.stop:
            raise TrainingCollapseError(
                message + ' The run was stopped (set '
                '`default_hooks.collapse_guard.stop=False` to only warn).')
        runner.logger.warning(message)

    def _frozen_term(self, runner) -> Optional[str]:
        """A generator term unchanged for ``patience`` validations."""
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        generator_steps = getattr(model, 'generator_steps', 0)
        names = list(getattr(model, 'generator_losses', {}) or {})
        if not generator_steps:
            return None
        for name in names:
            key = f'train/{name}'
            if key not in runner.message_hub.log_scalars:
                continue
            value = float(runner.message_hub.get_scalar(key).current())
            history = self.term_history.setdefault(name, [])
            history.append(value)
            del history[:-(self.patience + 1)]
            if len(history) <= self.patience:
                continue
            first = history[0]
            if all(abs(v - first) <= self.rtol * max(abs(first), 1e-12)
                   for v in history[1:]):
                return (f'the generator term {name} has stayed at '
                        f'{first:.6g} for {self.patience + 1} validations: '
                        'the generator has collapsed (it draws the same '
                        'image for every latent), most likely because its '
                        'learning rate (`optim_wrapper.generator.optimizer.'
                        'lr`) or that term\'s weight is too high.')
        return None

    def _at_chance(self, runner, metrics: Optional[Dict[str, float]]
                   ) -> Optional[str]:
        """The student's score back at chance after having been above."""
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
            self._keep_last_good(runner)
        if score >= above and (self.best is None
                               or score > self.best['score']):
            self.best = dict(score=score, iter=runner.iter)
        if score <= at_chance and self.best is not None:
            return (f'the student\'s {metric} fell to {score:.2f}, chance '
                    f'for {len(classes)} classes is {chance:.2f}, after '
                    f'{self.best["score"]:.2f} at iteration '
                    f'{self.best["iter"]}: training has diverged, most '
                    'likely because a learning rate '
                    '(`optim_wrapper.student.optimizer.lr`, '
                    '`optim_wrapper.generator.optimizer.lr`) is too high.')
        return None

    # -------------------------------------------------- the last good one
    @master_only
    def _keep_last_good(self, runner) -> None:
        """Link the checkpoint of this iteration, if one was saved, as
        :data:`LAST_GOOD`."""
        last = osp.join(runner.work_dir, 'last_checkpoint')
        if not osp.isfile(last):
            return
        with open(last) as f:
            path = f.read().strip()
        if not path or not osp.isfile(path) or not osp.basename(path) in (
                f'iter_{runner.iter}.pth', f'epoch_{runner.epoch}.pth'):
            return
        target = osp.join(runner.work_dir, LAST_GOOD)
        tmp = f'{target}.tmp'
        if osp.lexists(tmp):
            os.remove(tmp)
        try:
            os.link(path, tmp)
        except OSError:  # a file system without hard links
            shutil.copyfile(path, tmp)
        os.replace(tmp, target)
        self.last_good = f'"{target}" (iteration {runner.iter})'

    def _last_good_note(self) -> str:
        if self.last_good is None:
            return 'No checkpoint was validated better than chance.'
        return (f'The last checkpoint validated better than chance is kept '
                f'as {self.last_good}.')

    # -------------------------------------------------------------- resume
    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Keep what the guard has seen, so a resumed run goes on."""
        checkpoint.setdefault('meta', {})['collapse_guard'] = dict(
            term_history=self.term_history, best=self.best,
            last_good=self.last_good)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Continue from a resumed checkpoint (not from ``load_from``)."""
        state = checkpoint.get('meta', {}).get('collapse_guard')
        if state is None or not getattr(runner, '_resume', False):
            return
        self.term_history = {
            k: list(v) for k, v in state['term_history'].items()
        }
        self.best = state['best']
        self.last_good = state['last_good']
