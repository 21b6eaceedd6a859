# Copyright (c) mmddad contributors. All rights reserved.
"""What every data-free distiller shares: networks, synthesis, the step
skeleton, checkpoints, evaluation; a method overrides its objectives and
synthesis."""
from abc import abstractmethod
from contextlib import ExitStack, contextmanager, nullcontext
from typing import Callable, Dict, Iterator, List, Optional, Tuple

import torch
import torch.nn as nn
from mmengine.model import BaseModel
from mmengine.optim import OptimWrapper, OptimWrapperDict

from mmddad.registry import MODELS
from ..losses.legacy_weights import apply_legacy_weights
from ..network_builder import build_network
from ..task_adapters import BaseTaskAdapter, build_task_adapter
from ..wrappers.unwrap import unwrap_model
from .builders import build_replay, build_terms
from .checkpoint_keys import OPTIONAL_PREFIXES, register_checkpoint_rules
from .compatibility import check_input_size, check_pair, check_schedule
from .student_evaluation import StudentEvaluationMixin
from .synthetic_batch import SyntheticBatch

STUDENT, GENERATOR = 'student', 'generator'
#: The student objective when a config sets none: the discrepancy ``d``.
DEFAULT_STUDENT_LOSSES = dict(
    loss_student=dict(type='DiscrepancyLoss', loss_weight=1.0))


class BaseDataFreeDistiller(StudentEvaluationMixin, BaseModel):
    """Data-free distillation of a frozen teacher into a student, with a
    generator as the only source of training images.

    Reads top to bottom: build (the networks, the terms of both
    objectives, the replay policy and augmentation; start-up checks in
    :mod:`.compatibility`, checkpoint keys in :mod:`.checkpoint_keys`),
    synthesise (:meth:`synthesize` for the steps, :meth:`sample` and
    :meth:`labelled` for tools and hooks), steps (:meth:`train_step` runs
    ``student_steps`` calls of :meth:`train_student` and
    ``generator_steps`` of :meth:`train_generator`; both go through
    :meth:`optimize`, the one skeleton of a step, as mmagic's ``BaseGAN``
    keeps ``optim_context``, freezing and ``parse_losses`` in its base
    class: a method overrides the objectives, :meth:`student_objective`
    and :meth:`generator_objective`, and the synthesis behind them),
    evaluate (the student, through its own data preprocessor;
    :class:`StudentEvaluationMixin`).

    Args:
        teacher (dict): ``cfg_path`` (OpenMMLab config) or a model config,
            and ``checkpoint``; see :func:`build_network`. Frozen.
        student (dict): Same form; usually no checkpoint.
        generator (dict): Generator config, e.g. ``DCGANGenerator``.
        generator_losses (dict): ``name -> loss config``: the terms of the
            generator objective, each a :class:`BaseLossTerm` with its
            ``loss_weight``, logged under its name. Terms of weight 0 are
            left out. None: the method's ``default_generator_losses``.
        student_losses (dict): The terms of the student objective, in the
            same form, reading the student step's :class:`SyntheticBatch`.
            None: ``DEFAULT_STUDENT_LOSSES`` (``loss_student``, the
            discrepancy ``d``).
        discrepancy (dict): ``d(T(x), S(x))``: what ``DiscrepancyLoss`` (the
            student) minimises and ``AdversarialLoss`` (the generator)
            maximises. Defaults to ``LogitsL1Loss``.
        student_steps (int): Student steps per iteration. Defaults to 5.
        generator_steps (int): Generator steps per iteration. Defaults to 1.
        generator_first (bool): Run the generator steps first.
        replay (dict, optional): The replay policy (default type
            ``SyntheticReplay``: ``capacity``, ``ratio``, ``dtype``); None
            (default) generates every student batch afresh.
        augment (dict, optional): Augmentation of synthetic images (e.g.
            ``SyntheticAugmentation``); None (default): none.
        channels_last (bool): Keep the teacher, student and generator in
            channels-last memory format, which cuDNN (GPU) and oneDNN (CPU)
            convolutions can run faster; whether it pays depends on the
            device and the sizes (``tools/benchmark.py``). The results are
            the same up to rounding. Defaults to False.
        task_adapter (dict, optional): How logits are read; None picks the
            adapter of the teacher's task.
        data_preprocessor (dict, optional): Ignored. Runners pass the
            dataset's top-level ``data_preprocessor`` here, but training
            draws latents already in normalised space and evaluation goes
            through the student's own preprocessor.
        init_cfg (dict, optional): Initialisation config.
        **legacy: mmddad 0.1's ``lambda_bn``, ``lambda_adv``, ``lambda_oh``,
            ``lambda_ie``, ``adversarial_form`` and ``bn_loss``, folded into
            ``generator_losses`` with a deprecation warning.
    """

    #: State a checkpoint may lack or carry without harm (the replay
    #: buffer; see :mod:`.checkpoint_keys`).
    optional_checkpoint_keys = OPTIONAL_PREFIXES

    def __init__(self,
                 teacher: dict,
                 student: dict,
                 generator: dict,
                 generator_losses: Optional[dict] = None,
                 student_losses: Optional[dict] = None,
                 discrepancy: dict = dict(type='LogitsL1Loss'),
                 student_steps: int = 5,
                 generator_steps: int = 1,
                 generator_first: bool = False,
                 replay: Optional[dict] = None,
                 augment: Optional[dict] = None,
                 channels_last: bool = False,
                 task_adapter: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None,
                 **legacy) -> None:
        super().__init__(data_preprocessor=None, init_cfg=init_cfg)
        generator_losses = apply_legacy_weights(
            self.default_generator_losses
            if generator_losses is None else generator_losses, legacy)
        student_steps, generator_steps = check_schedule(
            student_steps, generator_steps)
        self.student_steps = student_steps
        self.generator_steps = generator_steps
        phases = [STUDENT] * student_steps + [GENERATOR] * generator_steps
        self.schedule: List[str] = phases[::-1] if generator_first else phases

        self.teacher = build_network(teacher, 'model.teacher', frozen=True)
        self.student = build_network(student, 'model.student')
        self.generator = MODELS.build(generator)
        # read once: under DDP self.generator becomes a wrapper
        self.latent_dim: int = self.generator.latent_dim
        self.adapter: BaseTaskAdapter = build_task_adapter(
            task_adapter, self.teacher)
        self.discrepancy = MODELS.build(discrepancy)
        self.generator_losses = build_terms(
            generator_losses, 'generator_losses', self.teacher,
            required=generator_steps > 0)
        self.student_losses = build_terms(
            DEFAULT_STUDENT_LOSSES if student_losses is None else
            student_losses, 'student_losses', self.teacher)
        image_shape, logits_shape = check_pair(
            self.teacher, self.student, self.generator, self.adapter)
        #: Shapes of one generated image and of the teacher's logits on it.
        self.image_shape, self.logits_shape = image_shape, logits_shape
        check_input_size(teacher, self.adapter, tuple(image_shape[-2:]))
        self.augment: Optional[nn.Module] = None if augment is None else \
            MODELS.build(augment)
        # teacher relabelling every student batch: stored logits would never
        # be read, so the replay keeps the images alone
        relabel = bool(getattr(self.augment, 'relabel', False))
        self.replay: Optional[nn.Module] = build_replay(
            replay, image_shape, None if relabel else logits_shape,
            generator_steps)
        self.channels_last = channels_last
        if channels_last:
            for network in (self.teacher, self.student, self.generator):
                network.to(memory_format=torch.channels_last)
        self.dataset_meta = getattr(self.teacher, 'dataset_meta', None)
        # no teacher weights, the same keys with or without DDP wrappers
        register_checkpoint_rules(self)

    @property
    @abstractmethod
    def default_generator_losses(self) -> Dict[str, dict]:
        """The method's generator objective when a config sets none, in the
        form of ``generator_losses`` (a class attribute of a method)."""

    def init_weights(self) -> None:
        """Initialise student and generator; the teacher keeps its weights."""
        for module in (self.student, self.generator):
            # the runner initialises after wrapping
            module = unwrap_model(module)
            if hasattr(module, 'init_weights'):
                module.init_weights()

    # -------------------------------------------------------------- synthesis
    def sample_latents(self, batch_size: int,
                       rng: torch.Generator) -> torch.Tensor:
        """Draw ``z ~ N(0, I)`` of shape (batch_size, latent_dim) on the
        device of ``rng``."""
        return torch.randn(
            batch_size,
            self.latent_dim,
            generator=rng,
            device=rng.device)

    def synthesize(self,
                   latents: torch.Tensor,
                   teacher_features: bool = False,
                   with_student: bool = False,
                   generator: Optional[nn.Module] = None,
                   augment_rng: Optional[torch.Generator] = None
                   ) -> SyntheticBatch:
        """The synthesis of the training steps: generate images from
        ``latents`` and run the teacher (and the student) on them.

        Gradients flow to the generator unless the caller disables them;
        the networks run in their current modes. Tools and hooks call
        :meth:`sample` instead.

        Args:
            latents (Tensor): (N, latent_dim), on the model's device.
            teacher_features (bool): Also record the teacher's features
                before its head.
            with_student (bool): Also run the student (unwrapped: under DDP
                a generator step must not expect a gradient reduction for
                its forward) and compute the discrepancy.
            generator (nn.Module, optional): Another generator of the same
                latents (e.g. a method's per-batch copy); default: the
                model's own.
            augment_rng (torch.Generator, optional): With ``model.augment``,
                augment the images (differentiably) before the teacher sees
                them, drawing from this generator; None: no augmentation.

        Returns:
            SyntheticBatch: Images, teacher logits (and features, student
            logits and discrepancy as asked).
        """
        images = (self.generator if generator is None else generator)(latents)
        if augment_rng is not None and self.augment is not None:
            images = self.augment(images, augment_rng)
        if teacher_features:
            logits, features = self.adapter.logits_and_features(
                self.teacher, images)
        else:
            logits, features = self.adapter.logits(self.teacher, images), None
        return self._batch(images, logits, features,
                           unwrap_model(self.student) if with_student else
                           None)

    def _batch(self,
               images: torch.Tensor,
               teacher_logits: torch.Tensor,
               teacher_features: Optional[torch.Tensor] = None,
               student: Optional[nn.Module] = None,
               dataset_meta: Optional[dict] = None) -> SyntheticBatch:
        """A :class:`SyntheticBatch` of this model's adapter, teacher
        preprocessing and class names; with ``student``, its logits and the
        discrepancy on the images."""
        student_logits = discrepancy = None
        if student is not None:
            student_logits = self.adapter.logits(student, images)
            discrepancy = self.discrepancy(student_logits, teacher_logits)
        return SyntheticBatch(
            images, teacher_logits, teacher_features, self.adapter,
            self.teacher.data_preprocessor,
            self.dataset_meta or dataset_meta,
            student_logits=student_logits, discrepancy=discrepancy)

    @torch.no_grad()
    def sample(self,
               latents: torch.Tensor,
               dataset_meta: Optional[dict] = None,
               with_student: bool = False) -> SyntheticBatch:
        """What the generator draws now, for tools and hooks: no gradients,
        the generator in eval mode (its BN statistics untouched), latents
        moved to the model's device, no augmentation.

        Args:
            latents (Tensor): (N, latent_dim), on any device.
            dataset_meta (dict, optional): Class names (and palette) to use
                when the teacher's checkpoint carries none.
            with_student (bool): Also the student's logits and the
                discrepancy.
        """
        generator = self.generator
        was_training = generator.training
        generator.eval()
        try:
            images = generator(latents.to(self.device))
        finally:
            generator.train(was_training)
        return self._batch(
            images, self.adapter.logits(self.teacher, images),
            student=unwrap_model(self.student) if with_student else None,
            dataset_meta=dataset_meta)

    @torch.no_grad()
    def labelled(self, images: List[torch.Tensor],
                 dataset_meta: Optional[dict] = None) -> SyntheticBatch:
        """The teacher's view of images as a dataset loads them (uint8,
        (C, H, W) each): normalised by the teacher's preprocessor, then
        labelled by the teacher (no generator involved).

        Args:
            images (list[Tensor]): uint8 images, (C, H, W).
            dataset_meta (dict, optional): As in :meth:`sample`.
        """
        inputs = self.teacher.data_preprocessor(
            dict(inputs=images), False)['inputs']
        return self._batch(inputs, self.adapter.logits(self.teacher, inputs),
                           dataset_meta=dataset_meta)

    # -------------------------------------------------------------- training
    def train_step(self, data: dict, optim_wrapper: OptimWrapperDict
                   ) -> Dict[str, torch.Tensor]:
        """One iteration: :meth:`train_student` and :meth:`train_generator`
        in the order of ``self.schedule``.

        Args:
            data (dict): ``batch_size`` (int) and ``rng`` (torch.Generator on
                the training device), from :class:`DataFreeTrainLoop`.
            optim_wrapper (OptimWrapperDict): With keys ``student`` and, if
                ``generator_steps > 0``, ``generator``.

        Returns:
            dict[str, Tensor]: Detached losses for logging, averaged over the
            steps of each kind.
        """
        logs: Dict[str, List[torch.Tensor]] = {}
        for phase in self.schedule:
            if phase == STUDENT:
                step_logs = self.train_student(data, optim_wrapper[STUDENT])
            else:
                step_logs = self.train_generator(data,
                                                 optim_wrapper[GENERATOR])
            for key, value in step_logs.items():
                logs.setdefault(key, []).append(value)
        return {k: torch.stack(v).mean() for k, v in logs.items()}

    def check_optim_wrapper(self, optim_wrapper: OptimWrapperDict) -> None:
        """Fail before the first iteration on optimiser wrappers the steps
        cannot honour (called by :class:`DataFreeTrainLoop`).

        Args:
            optim_wrapper (OptimWrapperDict): The runner's.

        Raises:
            KeyError: A wrapper the schedule needs is missing.
        """
        needed = [STUDENT] + ([GENERATOR] if self.generator_steps else [])
        missing = [k for k in needed if k not in optim_wrapper]
        if missing:
            raise KeyError(
                f'`optim_wrapper` has no {" or ".join(missing)} wrapper: a '
                f'{type(self).__name__} config needs `optim_wrapper=dict('
                "constructor='PerSubmoduleOptimWrapperConstructor', "
                'student=..., generator=...)`')

    def train_student(self, data: dict, optim_wrapper: OptimWrapper
                      ) -> Dict[str, torch.Tensor]:
        """One student step: :meth:`optimize` on :meth:`student_objective`
        (generated or replayed images; G and T are constants).

        Under ``--amp`` the generator and teacher forwards of the step run in
        the autocast dtype too (they are most of its cost); the discrepancy
        is computed in fp32.

        Args:
            data (dict): As in :meth:`train_step`.
            optim_wrapper (OptimWrapper): The student's.

        Returns:
            dict[str, Tensor]: The step's detached logs (see
            :meth:`optimize`).
        """
        return self.optimize(STUDENT, optim_wrapper, self.student_objective,
                             data['batch_size'], data['rng'])[2]

    def train_generator(self, data: dict, optim_wrapper: OptimWrapper
                        ) -> Dict[str, torch.Tensor]:
        """One generator step: :meth:`optimize` on
        :meth:`generator_objective` of fresh latents, through the frozen
        teacher and student; then the batch goes to the replay policy.

        Args:
            data (dict): As in :meth:`train_step`.
            optim_wrapper (OptimWrapper): The generator's.

        Returns:
            dict[str, Tensor]: The step's detached logs (see
            :meth:`optimize`).
        """
        z = self.sample_latents(data['batch_size'], data['rng'])
        batch, _, logs = self.optimize(GENERATOR, optim_wrapper,
                                       self.generator_objective, z,
                                       augment_rng=data['rng'])
        if self.replay is not None:
            self.replay.after_generator_step(batch.images,
                                             batch.teacher_logits)
        return logs

    def optimize(self,
                 phase: str,
                 optim_wrapper: OptimWrapper,
                 objective: Callable[..., Tuple[SyntheticBatch,
                                                Dict[str, torch.Tensor]]],
                 *args,
                 update: bool = True,
                 **kwargs
                 ) -> Tuple[SyntheticBatch, torch.Tensor,
                            Dict[str, torch.Tensor]]:
        """The skeleton of every step: ``objective(*args, **kwargs)`` in the
        wrapper's ``optim_context`` (autocast under ``--amp``; DDP
        ``no_sync`` while accumulating), in a generator step with the
        student's parameters frozen (gradients flow through the student to
        the images, none into its parameters); then MMEngine's
        ``parse_losses`` (keys with ``loss`` summed), the update and the
        logs. As in MMEngine's ``BaseModel.train_step``, the backward pass
        runs outside the context.

        Args:
            phase (str): ``'student'`` or ``'generator'``: the network the
                step updates.
            optim_wrapper (OptimWrapper): That network's wrapper.
            objective (callable): Returns the batch and each term's weighted
                value by name, e.g. :meth:`student_objective`.
            *args: Positional arguments of ``objective``.
            update (bool): Call ``optim_wrapper.update_params`` on the sum;
                False leaves the backward pass to the caller (a method's own
                inner loop, as in :class:`FastMetaDDAD`). Defaults to True.
            **kwargs: Keyword arguments of ``objective``.

        Returns:
            tuple[SyntheticBatch, Tensor, dict[str, Tensor]]: The batch, the
            summed loss (detached after an update) and the logs: every term
            detached, and the sum under ``loss_<phase>`` unless a term has
            that name.
        """
        network = self.student if phase == STUDENT else self.generator
        with optim_wrapper.optim_context(network), \
                (nullcontext() if phase == STUDENT else
                 no_param_grad(unwrap_model(self.student))):
            batch, losses = objective(*args, **kwargs)
        loss, log_vars = self.parse_losses(losses)
        if update:
            optim_wrapper.update_params(loss)
            loss = loss.detach()
        logs = {k: v.detach() for k, v in log_vars.items() if k != 'loss'}
        logs.setdefault(f'loss_{phase}', loss.detach())
        return batch, loss, logs

    def student_inputs(self, batch_size: int, rng: torch.Generator
                       ) -> Tuple[torch.Tensor, torch.Tensor]:
        """The images of a student batch and the teacher's logits on them:
        the stored part the replay policy draws, the rest generated here;
        then augmented (``model.augment``). No gradients.

        Args:
            batch_size (int): Images in the batch.
            rng (torch.Generator): The loop's generator of this iteration.

        Returns:
            tuple[Tensor, Tensor]: Images and the teacher's logits on them.
        """
        with torch.no_grad():
            stored = None if self.replay is None else self.replay.draw(
                batch_size, rng)
            num_fresh = batch_size - (0 if stored is None else len(stored[0]))
            fresh = None
            if num_fresh:
                batch = self.synthesize(self.sample_latents(num_fresh, rng))
                fresh = (batch.images, batch.teacher_logits)
            if self.replay is None:
                images, logits = fresh
            elif fresh is None:  # the whole batch was stored
                images, logits = stored
            else:
                images, logits = self.replay.complete(stored, fresh)
            if self.augment is not None:
                images, logits = self.augment.student_batch(
                    images, logits, rng)
                if logits is None:  # relabel: the teacher on the new images
                    logits = self.adapter.logits(self.teacher, images)
        return images, logits

    def student_objective(
            self, batch_size: int, rng: torch.Generator
    ) -> Tuple[SyntheticBatch, Dict[str, torch.Tensor]]:
        """Draw a student batch (:meth:`student_inputs`), run the student on
        it (the wrapped student: under DDP its gradients are reduced) and
        evaluate every weighted term of ``student_losses`` (what a student
        step minimises: their sum).

        Args:
            batch_size (int): Images in the batch.
            rng (torch.Generator): The loop's generator of this iteration.

        Returns:
            tuple[SyntheticBatch, dict[str, Tensor]]: The batch and each
            term's weighted value, by its ``student_losses`` key.
        """
        images, teacher_logits = self.student_inputs(batch_size, rng)
        batch = self._batch(images, teacher_logits, student=self.student)
        return batch, {
            name: term.loss_weight * term.loss(batch)
            for name, term in self.student_losses.items()
        }

    def generator_objective(
            self,
            latents: torch.Tensor,
            generator: Optional[nn.Module] = None,
            augment_rng: Optional[torch.Generator] = None,
            targets: Optional[torch.Tensor] = None
    ) -> Tuple[SyntheticBatch, Dict[str, torch.Tensor]]:
        """Synthesize from ``latents`` and evaluate every weighted term of
        ``generator_losses`` on the batch (what a generator step minimises:
        the sum of the terms).

        Args:
            latents (Tensor): (N, latent_dim), on the model's device.
            generator (nn.Module, optional): See :meth:`synthesize`.
            augment_rng (torch.Generator, optional): See :meth:`synthesize`.
            targets (Tensor, optional): (N,) class targets drawn for this
                synthesis, set as ``batch.targets`` for the terms that read
                them.

        Returns:
            tuple[SyntheticBatch, dict[str, Tensor]]: The batch and each
            term's weighted value, by its ``generator_losses`` key.
        """
        terms = self.generator_losses
        with ExitStack() as stack:
            for term in terms.values():
                stack.enter_context(term.recording())
            batch = self.synthesize(
                latents,
                teacher_features=any(
                    t.needs_teacher_features for t in terms.values()),
                with_student=any(t.needs_student for t in terms.values()),
                generator=generator, augment_rng=augment_rng)
        batch.targets = targets
        return batch, {
            name: term.loss_weight * term.loss(batch)
            for name, term in terms.items()
        }

    # --------------------------------------------------------------- reports
    def describe(self) -> Dict[str, object]:
        """The training set-up, for tools and logs: the phase schedule,
        the memory layout, the terms of both objectives and the replay
        policy (None when off)."""
        return dict(
            algorithm=type(self).__name__,
            student_steps=self.student_steps,
            generator_steps=self.generator_steps,
            schedule=list(self.schedule),
            channels_last=self.channels_last,
            generator_losses=list(self.generator_losses),
            student_losses=list(self.student_losses),
            replay=None if self.replay is None else self.replay.describe(),
            augment=None if self.augment is None else repr(self.augment))

    def parameter_counts(self) -> Dict[str, int]:
        """Parameters of the teacher, the student and the generator."""
        return {
            name: sum(p.numel() for p in getattr(self, name).parameters())
            for name in ('teacher', 'student', 'generator')
        }

    @property
    def device(self) -> torch.device:
        """The device of the student's parameters."""
        return next(self.student.parameters()).device


@contextmanager
def no_param_grad(module: nn.Module) -> Iterator[None]:
    """Let gradients flow through ``module`` to its input but not into its
    parameters (no accumulation into the student during a generator step)."""
    params = [p for p in module.parameters() if p.requires_grad]
    for p in params:
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p in params:
            p.requires_grad_(True)
