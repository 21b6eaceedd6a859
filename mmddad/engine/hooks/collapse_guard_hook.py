# Copyright (c) mmddad contributors. All rights reserved.
"""Stop a data-free run that has collapsed, and keep its last good
checkpoint (the files are kept by :mod:`mmddad.utils.checkpoint.keeping`)."""
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

from mmengine.dist import (broadcast_object_list, is_distributed,
                           is_main_process, master_only)
from mmengine.hooks import Hook, LoggerHook

from mmddad.models.wrappers import unwrap_model
from mmddad.registry import HOOKS
from mmddad.utils import ReportedError, check_number
from mmddad.utils.checkpoint import (link_checkpoint, link_saved_checkpoint,
                                     remove_hidden_links, remove_links,
                                     repoint_last_checkpoint)

#: The headline metric of each task, in order of preference.
HEADLINE_METRICS = ('accuracy/top1', 'mIoU')
#: A hard link to the last checkpoint validated better than chance.
LAST_GOOD = 'last_above_chance.pth'
#: The tag of the guard's hidden hard links, ``.above_chance_iter_N.pth``.
LINK_TAG = 'above_chance'
#: The iterations a check interval falls back to without a LoggerHook.
DEFAULT_INTERVAL = 10


class TrainingCollapseError(ReportedError, RuntimeError):
    """A data-free run collapsed (a frozen generator, a student at
    chance)."""


@HOOKS.register_module()
class CollapseGuardHook(Hook):
    """Stop a data-free run whose generator or student has collapsed.

    Checked from values already on the host (the losses the logger
    reads, the validation metrics): nothing is added to the training step.
    Under DDP rank 0 decides for every rank.

    - **A frozen generator**: a term of ``model.generator_losses`` whose
      logged value has not changed (relative ``rtol``) over ``patience + 1``
      checks in a row. The terms are checked every ``interval`` iterations
      (by default the logger's interval) and at each validation, so a
      freeze is found within a few logging intervals, also when validation
      is off (``--no-validate``). A generator pushed too far (e.g. a
      learning rate far too high) saturates and draws the same image for
      every latent; every loss stays finite, so nothing else notices.
    - **A student at chance** (at validations only): the headline metric
      (top-1 accuracy, mIoU) at or below ``chance + chance_margin * (100 -
      chance)`` (chance: 100 / number of classes) for ``patience``
      validations in a row, after having reached ``chance + above_margin *
      (100 - chance)``.

    The checkpoints of the last validations better than chance are kept as
    hidden hard links (copies where links are not possible), so checkpoint
    rotation (``max_keep_ckpts``) cannot delete them; when the guard stops a
    run it names the last one from before the collapse began as
    ``last_above_chance.pth`` in the work dir, and points
    ``last_checkpoint`` at the newest checkpoint from before the collapse
    (or removes it if there is none), so that a plain ``--resume`` never
    continues the collapse; the later checkpoints are kept. The hidden
    links are removed when the run ends (finished, or stopped by the
    guard); those of a killed run are removed when the next run in the
    work dir starts (a resumed run keeps the ones it still needs).

    Args:
        patience (int): See above. Defaults to 2.
        rtol (float): Relative change below which a term is unchanged.
            Defaults to 1e-5.
        chance_margin (float): See above. Defaults to 0.05.
        above_margin (float): See above. Defaults to 0.25.
        stop (bool): Stop the run (raise :class:`TrainingCollapseError`).
            False only logs the message as a warning, once per frozen term
            (for ablations whose collapse is the result being measured).
            Defaults to True.
        interval (int, optional): Iterations between two checks of the
            generator's terms. Defaults to None: the ``LoggerHook``'s
            interval.
    """

    priority = 'LOW'

    def __init__(self,
                 patience: int = 2,
                 rtol: float = 1e-5,
                 chance_margin: float = 0.05,
                 above_margin: float = 0.25,
                 stop: bool = True,
                 interval: Optional[int] = None) -> None:
        key = 'default_hooks.collapse_guard'
        self.patience = check_number(patience, f'{key}.patience',
                                     integer=True, least=1)
        self.rtol = check_number(rtol, f'{key}.rtol', least=0)
        self.chance_margin = check_number(chance_margin,
                                          f'{key}.chance_margin', least=0,
                                          most=1)
        self.above_margin = check_number(above_margin,
                                         f'{key}.above_margin', least=0,
                                         most=1)
        self.stop = stop
        self.interval = None if interval is None else check_number(
            interval, f'{key}.interval', integer=True, least=1)
        # name -> [(iteration, value)] of the last checks
        self.term_history: Dict[str, List[Tuple[int, float]]] = {}
        # name -> [first iteration, value] of its current run of equal
        # values, followed at every iteration: where a freeze began
        self.term_runs: Dict[str, List[float]] = {}
        self.best: Optional[Dict[str, float]] = None
        self.at_chance = 0
        # the first validation of the current run of those at chance
        self.chance_since: Optional[int] = None
        # (iteration, hidden link) of the last checkpoints better than chance
        self.candidates: List[Tuple[int, str]] = []
        self._interval = self.interval  # the logger's, from before_train
        self._checked_at: Optional[int] = None
        self._frozen_now = False
        self._reported: set = set()  # frozen terms warned about (stop=False)
        self._validating = True
        self._last_good: Optional[Tuple[int, str]] = None

    # ------------------------------------------------------------- checks
    def before_train(self, runner) -> None:
        """Take the logger's interval, say what is watched when validation
        is off, and remove the hidden links an earlier (killed) run left."""
        if self.interval is None:
            loggers = [h for h in runner.hooks if isinstance(h, LoggerHook)]
            self._interval = loggers[0].interval if loggers else \
                DEFAULT_INTERVAL
        self._validating = runner.val_loop is not None
        if not self._validating:
            runner.logger.warning(
                'CollapseGuardHook: validation is off, so a student back at '
                'chance cannot be seen; a frozen generator is still '
                f'detected, from its logged terms every {self._interval} '
                'iterations.')
        self._remove_links(runner, keep=[p for _, p in self.candidates])

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs=None) -> None:
        """Follow the generator's terms; check them every ``interval``
        iterations."""
        # the iteration just trained, as checkpoints and validations count
        iteration = runner.iter + 1
        self._follow_terms(runner, iteration)
        if self._interval is None or not self.every_n_train_iters(
                runner, self._interval):
            return
        self._decide(runner, iteration, self._frozen_term(runner, iteration),
                     None)

    def after_val_epoch(self, runner,
                        metrics: Optional[Dict[str, float]] = None) -> None:
        """Check the generator terms and the student's score."""
        frozen = self._frozen_term(runner, runner.iter)
        chance = self._at_chance(runner, metrics, keep=not self._frozen_now)
        self._decide(runner, runner.iter, frozen, chance)

    def after_run(self, runner) -> None:
        """The run has ended: its hidden links are no longer needed."""
        self._remove_links(runner)
        self.candidates = []

    def _decide(self, runner, iteration: int,
                frozen: Optional[Tuple[str, int]],
                chance: Optional[str]) -> None:
        """Stop the run (or warn) if a check found a collapse.

        Args:
            iteration (int): The iteration checked.
            frozen (tuple[str, int], optional): What :meth:`_frozen_term`
                found: the message and the first iteration that logged the
                frozen value.
            chance (str, optional): What :meth:`_at_chance` found.
        """
        problems = [p for p in (frozen and frozen[0], chance) if p]
        # the first checkpoint iteration of the collapse: the generator
        # saved at iteration j made the losses logged at iteration j + 1
        starts = ([frozen[1] - 1] if frozen else []) + (
            [self.chance_since] if chance and self.chance_since else [])
        bad_from = min(starts, default=iteration)
        if is_distributed():  # one decision for every rank
            shared = [(problems, bad_from)]
            broadcast_object_list(shared)
            problems, bad_from = shared[0]
        if not problems:
            return
        message = (f'iteration {iteration}: ' + ' '.join(problems) + ' ' +
                   self._publish_last_good(runner, bad_from))
        if self.stop:
            # a student at chance: only a validated checkpoint is known good
            message += self._repoint_last_checkpoint(runner, bad_from,
                                                     plain=not chance)
            self._remove_links(runner)
            # raised, not `stop_training`: the run must end with an error
            # before its collapsed weights are saved again
            raise TrainingCollapseError(
                message + ' The run was stopped (set '
                '`default_hooks.collapse_guard.stop=False` to only warn).')
        runner.logger.warning(message)

    def _term_values(self, runner) -> List[Tuple[str, float]]:
        """The generator terms' values logged at the last iteration (none
        if the generator is not trained)."""
        model = unwrap_model(runner.model)
        if not getattr(model, 'generator_steps', 0):
            return []
        scalars = runner.message_hub.log_scalars
        return [(name, float(scalars[f'train/{name}'].current()))
                for name in list(getattr(model, 'generator_losses', {}) or {})
                if f'train/{name}' in scalars]

    def _same(self, first: float, value: float) -> bool:
        """Whether ``value`` is ``first`` within ``rtol``."""
        return abs(value - first) <= self.rtol * max(abs(first), 1e-12)

    def _follow_terms(self, runner, iteration: int) -> None:
        """Follow each term's run of equal values (where a freeze began)."""
        for name, value in self._term_values(runner):
            run = self.term_runs.get(name)
            if run is None or not self._same(run[1], value):
                self.term_runs[name] = [iteration, value]

    def _frozen_term(self, runner,
                     iteration: int) -> Optional[Tuple[str, int]]:
        """A generator term unchanged for ``patience + 1`` checks: the
        message and the first iteration that logged the frozen value."""
        if self._checked_at == iteration:  # checked at this iteration
            return None
        self._checked_at = iteration
        self._frozen_now = False
        self._follow_terms(runner, iteration)  # validations alone, too
        found = None
        for name, value in self._term_values(runner):
            history = self.term_history.setdefault(name, [])
            history.append((iteration, value))
            del history[:-(self.patience + 1)]
            first = history[0][1]
            if len(history) <= self.patience or not all(
                    self._same(first, v) for _, v in history[1:]):
                self._reported.discard(name)
                continue
            self._frozen_now = True
            if found is not None or name in self._reported:
                continue
            self._reported.add(name)
            since = min(history[0][0], int(self.term_runs[name][0]))
            validated = '' if self._validating else (
                ' (validation is off: no checkpoint was validated)')
            found = (f'the generator term {name} has stayed at {first:.6g} '
                     f'for {self.patience + 1} checks in a row (iterations '
                     f'{since} to {iteration}){validated}: the '
                     'generator has collapsed (it draws the same image for '
                     'every latent), most likely because its learning rate '
                     '(`optim_wrapper.generator.optimizer.lr`) or that '
                     'term\'s weight is too high.', since)
        return found

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
            self.chance_since = None
            if keep:
                self._keep_candidate(runner)
        else:
            if self.at_chance == 0:
                self.chance_since = runner.iter
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
        link = link_saved_checkpoint(runner.work_dir, LINK_TAG, runner.iter,
                                     runner.epoch)
        if link is None:
            return
        self.candidates.append((runner.iter, link))
        # A future freeze starts at or after the oldest value the term
        # histories and runs hold: keep the newest link from before that,
        # and those after (at most one checkpoint more than
        # `max_keep_ckpts` keeps).
        starts = [h[0][0] for h in self.term_history.values() if h] + [
            int(r[0]) for r in self.term_runs.values()]
        floor = min(starts, default=runner.iter) - 1
        before = [c for c in self.candidates if c[0] < floor][-1:]
        kept = before + [c for c in self.candidates if c[0] >= floor]
        remove_links(c[1] for c in self.candidates if c not in kept)
        self.candidates = kept

    def _publish_last_good(self, runner, since: int) -> str:
        """Link the last kept checkpoint from before iteration ``since`` as
        :data:`LAST_GOOD` and say so."""
        kept = [(it, p) for it, p in self.candidates
                if it < since and osp.isfile(p)]
        self._last_good = None
        if not kept or not is_main_process():
            return ('No checkpoint from before the collapse was validated '
                    'better than chance.')
        iteration, path = kept[-1]
        target = osp.join(runner.work_dir, LAST_GOOD)
        link_checkpoint(path, target)
        self._last_good = (iteration, target)
        return (f'The last checkpoint validated better than chance before '
                f'it is kept as "{target}" (iteration {iteration}): start a '
                f'new run from it with --cfg-options load_from={target} and '
                'the lower learning rate (a --resume keeps the optimiser\'s '
                'learning rates).')

    def _repoint_last_checkpoint(self, runner, since: int,
                                 plain: bool) -> str:
        """Point ``last_checkpoint`` at the newest checkpoint from before
        iteration ``since`` (:data:`LAST_GOOD`, or with ``plain`` a run's
        ``iter_N.pth``), or remove it if there is none, and say so: a plain
        ``--resume`` must not continue the collapse."""
        if not is_main_process():
            return ''
        repointed = repoint_last_checkpoint(
            runner.work_dir, since, run_checkpoints=plain,
            kept=self._last_good)
        if repointed is None:
            return ''
        if repointed.path is None:
            return (' No checkpoint was saved before the collapse began, so '
                    '`last_checkpoint` was removed: start a new run (without'
                    ' --resume) with the lower learning rate.')
        return (f' `last_checkpoint` now names "{repointed.path}" (iteration '
                f'{repointed.iteration}), from before the collapse, so a '
                '--resume does not continue it; the checkpoints saved since '
                'are kept.')

    @master_only
    def _remove_links(self, runner, keep: Sequence[str] = ()) -> None:
        """Remove the guard's hidden links in the work dir, but ``keep``."""
        remove_hidden_links(runner.work_dir, LINK_TAG, keep)

    # -------------------------------------------------------------- resume
    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Keep what the guard has seen, so a resumed run goes on."""
        checkpoint.setdefault('meta', {})['collapse_guard'] = dict(
            term_history=self.term_history, term_runs=self.term_runs,
            best=self.best, at_chance=self.at_chance,
            chance_since=self.chance_since, candidates=self.candidates)

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
        self.term_runs = dict(state.get('term_runs', {}))
        self.at_chance = state.get('at_chance', 0)
        self.chance_since = state.get('chance_since')
        self.candidates = [tuple(c) for c in state.get('candidates', [])]

