# Copyright (c) mmddad contributors. All rights reserved.
"""What every data-free distiller shares: networks, synthesis, checkpoints,
evaluation; the training steps are the subclass's."""
import warnings
from abc import abstractmethod
from contextlib import ExitStack, contextmanager
from typing import Dict, Iterator, List, Optional, Tuple

import torch
import torch.nn as nn
from mmengine.model import BaseModel
from mmengine.optim import OptimWrapper, OptimWrapperDict

from mmddad.registry import MODELS
from mmddad.visualization import swaps_channels
from mmddad.utils import check_number
from ..losses.legacy_weights import apply_legacy_weights
from ..network_builder import build_network, network_input_size
from ..task_adapters import BaseTaskAdapter, build_task_adapter
from ..wrappers.unwrap import unwrap_model
from .student_evaluation import StudentEvaluationMixin
from .synthetic_batch import SyntheticBatch

STUDENT, GENERATOR = 'student', 'generator'
#: The generator objective when a config sets none: DDAD's two
#: discriminators at weight 1.
DEFAULT_GENERATOR_LOSSES = dict(
    loss_bn=dict(type='BNStatisticsLoss', loss_weight=1.0),
    loss_adv=dict(type='AdversarialLoss', loss_weight=1.0))
#: The student objective when a config sets none: the discrepancy ``d``.
DEFAULT_STUDENT_LOSSES = dict(
    loss_student=dict(type='DiscrepancyLoss', loss_weight=1.0))


class BaseDataFreeDistiller(StudentEvaluationMixin, BaseModel):
    """Data-free distillation of a frozen teacher into a student, with a
    generator as the only source of training images.

    Built from config: the teacher (frozen), the student, the generator, the
    task adapter, the discrepancy ``d``, the weighted terms of the
    generator's objective (``generator_losses``) and of the student's
    (``student_losses``, the discrepancy by default), an optional replay
    policy (``replay``) and augmentation of synthetic images
    (``augment``). It owns the synthesis API every tool and hook uses
    (:meth:`synthesize`, :meth:`sample`, :meth:`labelled`,
    :meth:`generator_objective`, :meth:`student_objective`,
    :meth:`describe`), the checkpoint-key rules (no teacher weights, the
    same keys with or without DDP wrappers) and validation/test (the
    student, through its own data preprocessor).

    :meth:`train_step` runs the phases of ``self.schedule`` in order,
    ``student_steps`` calls of :meth:`train_student` and ``generator_steps``
    calls of :meth:`train_generator`: the two override points of a method,
    as ``train_generator`` / ``train_discriminator`` are those of mmagic's
    ``BaseGAN``.

    Args:
        teacher (dict): ``cfg_path`` (OpenMMLab config) or a model config,
            and ``checkpoint``; see :func:`build_network`. Frozen.
        student (dict): Same form; usually no checkpoint.
        generator (dict): Generator config, e.g. ``DCGANGenerator``.
        generator_losses (dict): ``name -> loss config``: the terms of the
            generator objective, each a :class:`BaseGeneratorLoss` with its
            ``loss_weight``, logged under its name. Terms of weight 0 are
            left out. None: ``DEFAULT_GENERATOR_LOSSES``.
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

    #: State a checkpoint may lack or carry without harm (see
    #: :func:`_fill_missing_state`): the replay buffer.
    optional_checkpoint_keys = ('replay.', )

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
            DEFAULT_GENERATOR_LOSSES
            if generator_losses is None else generator_losses, legacy)
        student_steps, generator_steps = self._check_schedule(
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
        self.generator_losses = self._build_generator_losses(generator_losses)
        self.student_losses = self._build_student_losses(
            DEFAULT_STUDENT_LOSSES if student_losses is None else
            student_losses)
        image_shape, logits_shape = self._check_pair()
        #: Shapes of one generated image and of the teacher's logits on it.
        self.image_shape, self.logits_shape = image_shape, logits_shape
        self._check_input_size(teacher, tuple(image_shape[-2:]))
        self.replay: Optional[nn.Module] = self._build_replay(
            replay, image_shape, logits_shape)
        self.augment: Optional[nn.Module] = None if augment is None else \
            MODELS.build(augment)
        self.channels_last = channels_last
        if channels_last:
            for network in (self.teacher, self.student, self.generator):
                network.to(memory_format=torch.channels_last)
        self.dataset_meta = getattr(self.teacher, 'dataset_meta', None)
        # Checkpoints hold no teacher weights (the teacher comes from its own
        # checkpoint) and the same keys with or without DDP wrappers.
        self._register_state_dict_hook(_checkpoint_state)
        self._register_load_state_dict_pre_hook(
            _fill_missing_state, with_module=True)

    # ------------------------------------------------------------------ set-up
    @staticmethod
    def _check_schedule(student_steps: int,
                        generator_steps: int) -> Tuple[int, int]:
        """The step counts of an iteration, checked: integers,
        ``student_steps >= 1`` and ``generator_steps >= 0``."""
        return (check_number(student_steps, 'model.student_steps',
                             integer=True, least=1),
                check_number(generator_steps, 'model.generator_steps',
                             integer=True, least=0))

    def _build_losses(self, cfgs: dict, key: str) -> nn.ModuleDict:
        """Build the weighted terms of ``model.<key>``, drop those of weight
        0, and attach the rest to the teacher."""
        losses = nn.ModuleDict()
        if not isinstance(cfgs, dict):
            raise TypeError(f'`model.{key}` must be a dict of name -> loss '
                            f'config, got {cfgs!r}')
        for name, cfg in cfgs.items():
            if cfg is None:
                continue
            try:
                term = MODELS.build(cfg)
            except (KeyError, TypeError, ValueError) as e:
                raise type(e)(f'`model.{key}.{name}`: {e}') from e
            if term.loss_weight == 0:
                continue
            term.loss_name = name
            term.attach(self.teacher)
            losses[name] = term
        return losses

    def _build_generator_losses(self, cfgs: dict) -> nn.ModuleDict:
        """The generator's terms; at least one unless it is never trained."""
        losses = self._build_losses(cfgs, 'generator_losses')
        if self.generator_steps > 0 and not losses:
            raise ValueError(
                'every generator loss weight (`model.generator_losses.*.'
                'loss_weight`) is 0: the generator would learn nothing; set '
                '`model.generator_steps=0` to keep it fixed')
        return losses

    def _build_student_losses(self, cfgs: dict) -> nn.ModuleDict:
        """The student's terms; at least one."""
        losses = self._build_losses(cfgs, 'student_losses')
        if not losses:
            raise ValueError(
                'every student loss weight (`model.student_losses.*.'
                'loss_weight`) is 0: the student would learn nothing')
        return losses

    def _build_replay(self, cfg: Optional[dict], image_shape: torch.Size,
                      logits_shape: torch.Size) -> Optional[nn.Module]:
        """Build the replay policy of ``model.replay`` (None: off)."""
        if cfg is None:
            return None
        if not isinstance(cfg, dict):
            raise TypeError('`model.replay` must be a dict (capacity, ratio, '
                            f'dtype) or None, got {cfg!r}')
        cfg = dict(type='SyntheticReplay', **cfg) if 'type' not in cfg \
            else dict(cfg)
        if cfg.get('ratio', 1.0) == 1.0 and self.generator_steps == 0:
            raise ValueError(
                '`model.replay.ratio=1` with `model.generator_steps=0`: '
                'nothing would add new images after the first batch; lower '
                'the ratio or set `model.replay=None`')
        try:
            return MODELS.build(
                cfg,
                default_args=dict(
                    image_shape=image_shape, logits_shape=logits_shape))
        except TypeError as e:
            raise TypeError(f'`model.replay`: {e}') from e

    def _check_pair(self) -> Tuple[torch.Size, torch.Size]:
        """Fail early if the generator, teacher and student do not fit.

        Returns:
            tuple[torch.Size, torch.Size]: The shape of one generated image
            and of the teacher's logits on it.
        """
        teacher_pre = getattr(self.teacher, 'data_preprocessor', None)
        student_pre = getattr(self.student, 'data_preprocessor', None)
        for name in ('mean', 'std'):
            t = getattr(teacher_pre, name, None)
            s = getattr(student_pre, name, None)
            if t is not None and s is not None and (
                    t.shape != s.shape or not torch.allclose(t, s)):
                raise ValueError(
                    f'teacher and student normalise inputs differently '
                    f'(data_preprocessor.{name}: {t.flatten().tolist()} vs '
                    f'{s.flatten().tolist()}); the generated images live in '
                    'the teacher\'s normalised space, so use the same '
                    '`data_preprocessor` in `model.student`')
        t, s = (swaps_channels(p) for p in (teacher_pre, student_pre))
        if t != s:
            raise ValueError(
                'teacher and student read channels in a different order '
                f'(data_preprocessor swaps BGR/RGB: {t} vs {s}); on real '
                'images one of them would see swapped colours: use the same '
                '`to_rgb` (`bgr_to_rgb`) in `model.student`\'s '
                '`data_preprocessor`')
        if not self.adapter.accepts(self.student):
            raise TypeError(
                f'`model.student` ({type(self.student).__name__}) is not a '
                f'{self.adapter.task} model like the teacher')
        modes = [m.training for m in (self.generator, self.student)]
        self.generator.eval()
        self.student.eval()
        try:
            with torch.no_grad():
                images = self.generator(torch.randn(2, self.latent_dim))
                t = self._dry_run('teacher', images)
                s = self._dry_run('student', images)
        finally:
            self.generator.train(modes[0])
            self.student.train(modes[1])
        if t.shape[1] != s.shape[1]:
            raise ValueError(
                f'the teacher predicts {t.shape[1]} classes and the student '
                f'{s.shape[1]}: set the student\'s number of classes '
                '(e.g. `model.student.head.num_classes`) to the teacher\'s')
        return images.shape[1:], t.shape[1:]

    def _check_input_size(self, teacher: dict,
                          size: Tuple[int, int]) -> None:
        """Warn when the generator draws images of another size than the
        teacher's own config feeds it (its BN statistics, the first
        discriminator, were measured at that size). Smaller images are
        fine for tasks whose models run on any size (segmentation)."""
        expected = network_input_size(teacher)
        if expected is None or expected == size:
            return
        if self.adapter.takes_smaller_inputs and all(
                s <= e for s, e in zip(size, expected)):
            return
        warnings.warn(
            f'`model.generator.out_size` gives {size[0]}x{size[1]} images, '
            f'but the teacher\'s config feeds it {expected[0]}x{expected[1]}'
            ' inputs (`model.teacher.cfg_path`): its BN statistics were '
            'measured at that size; set `model.generator.out_size` to it '
            'unless the difference is intended')

    def _dry_run(self, name: str, images: torch.Tensor) -> torch.Tensor:
        """Logits of the teacher or student on generated images, or an error
        that names the generator settings to check."""
        try:
            return self.adapter.logits(getattr(self, name), images)
        except Exception as e:  # noqa: BLE001 - name the config key at fault
            raise ValueError(
                f'the {name} cannot take the generator\'s images of shape '
                f'{tuple(images.shape[1:])}: check `model.generator.out_size`'
                f' and `out_channels` against `model.{name}` ({e})') from e

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
                   dataset_meta: Optional[dict] = None,
                   generator: Optional[nn.Module] = None,
                   augment_rng: Optional[torch.Generator] = None
                   ) -> SyntheticBatch:
        """Generate images from ``latents`` and run the teacher on them.

        The one synthesis call: training steps, the visualisation hook and
        the tools all go through it (or :meth:`sample`). Gradients flow to
        the generator unless the caller disables them; the generator runs in
        its current mode.

        Args:
            latents (Tensor): (N, latent_dim), on the model's device.
            teacher_features (bool): Also record the teacher's features
                before its head.
            dataset_meta (dict, optional): As in :meth:`label`.
            generator (nn.Module, optional): Another generator of the same
                latents (e.g. a method's per-batch copy); default: the
                model's own.
            augment_rng (torch.Generator, optional): With ``model.augment``,
                augment the images (differentiably) before the teacher sees
                them, drawing from this generator; None: no augmentation.

        Returns:
            SyntheticBatch: Images, teacher logits (and features), with the
            student's logits and the discrepancy available on demand.
        """
        images = (self.generator if generator is None else generator)(latents)
        if augment_rng is not None and self.augment is not None:
            images = self.augment(images, augment_rng)
        return self.label(images, teacher_features, dataset_meta)

    def label(self,
              images: torch.Tensor,
              teacher_features: bool = False,
              dataset_meta: Optional[dict] = None) -> SyntheticBatch:
        """Run the teacher on images of its normalised input space.

        Args:
            images (Tensor): (N, C, H, W), normalised.
            teacher_features (bool): See :meth:`synthesize`.
            dataset_meta (dict, optional): Class names (and palette) to use
                when the teacher's checkpoint carries none.
        """
        if teacher_features:
            logits, features = self.adapter.logits_and_features(
                self.teacher, images)
        else:
            logits, features = self.adapter.logits(self.teacher, images), None
        # the student is called unwrapped: under DDP a generator step must
        # not expect a gradient reduction for its forward
        student = unwrap_model(self.student)
        return SyntheticBatch(
            images, logits, features, self.adapter,
            self.teacher.data_preprocessor,
            self.dataset_meta or dataset_meta,
            student_logits_fn=lambda x: self.adapter.logits(student, x),
            discrepancy_fn=self.discrepancy)

    @torch.no_grad()
    def sample(self,
               latents: torch.Tensor,
               dataset_meta: Optional[dict] = None) -> SyntheticBatch:
        """:meth:`synthesize` for inspection: no gradients, the generator in
        eval mode (its BN statistics untouched), latents moved to the
        model's device.

        Args:
            latents (Tensor): (N, latent_dim), on any device.
            dataset_meta (dict, optional): As in :meth:`label`.
        """
        generator = self.generator
        was_training = generator.training
        generator.eval()
        try:
            return self.synthesize(
                latents.to(self.device), dataset_meta=dataset_meta)
        finally:
            generator.train(was_training)

    def labelled(self, images: List[torch.Tensor],
                 dataset_meta: Optional[dict] = None) -> SyntheticBatch:
        """The teacher's view of images as a dataset loads them (uint8,
        (C, H, W) each): normalised by the teacher's preprocessor, then
        :meth:`label`.

        Args:
            images (list[Tensor]): uint8 images, (C, H, W).
            dataset_meta (dict, optional): As in :meth:`label`.
        """
        with torch.no_grad():
            inputs = self.teacher.data_preprocessor(
                dict(inputs=images), False)['inputs']
            return self.label(inputs, dataset_meta=dataset_meta)

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

    @abstractmethod
    def train_student(self, data: dict, optim_wrapper: OptimWrapper
                      ) -> Dict[str, torch.Tensor]:
        """One student step: update the student only.

        Args:
            data (dict): ``batch_size`` and ``rng``, as in :meth:`train_step`.
            optim_wrapper (OptimWrapper): The student's.

        Returns:
            dict[str, Tensor]: Detached losses to log.
        """

    @abstractmethod
    def train_generator(self, data: dict, optim_wrapper: OptimWrapper
                        ) -> Dict[str, torch.Tensor]:
        """One generator (synthesis) step: update the generator only.

        Args:
            data (dict): ``batch_size`` and ``rng``, as in :meth:`train_step`.
            optim_wrapper (OptimWrapper): The generator's.

        Returns:
            dict[str, Tensor]: Detached losses to log.
        """

    def student_inputs(self, batch_size: int, rng: torch.Generator
                       ) -> Tuple[torch.Tensor, torch.Tensor]:
        """The images of a student batch and the teacher's logits on them:
        freshly generated, or as the replay policy mixes them with stored
        ones; then augmented (``model.augment``). No gradients.

        Args:
            batch_size (int): Images in the batch.
            rng (torch.Generator): The loop's generator of this iteration.

        Returns:
            tuple[Tensor, Tensor]: Images and the teacher's logits on them.
        """
        with torch.no_grad():

            def generate(num: int) -> Tuple[torch.Tensor, torch.Tensor]:
                batch = self.synthesize(self.sample_latents(num, rng))
                return batch.images, batch.teacher_logits

            if self.replay is None:
                images, logits = generate(batch_size)
            else:
                images, logits = self.replay.student_inputs(
                    batch_size, rng, generate)
            if self.augment is not None:
                images, logits = self.augment.student_batch(
                    images, logits, rng,
                    lambda x: self.adapter.logits(self.teacher, x))
        return images, logits

    def student_objective(
            self, images: torch.Tensor, teacher_logits: torch.Tensor
    ) -> Tuple[SyntheticBatch, Dict[str, torch.Tensor]]:
        """Evaluate every weighted term of ``student_losses`` on a student
        batch (what a student step minimises: their sum). The student runs
        on the images (with gradients) when a term first reads its logits.

        Args:
            images (Tensor): (N, C, H, W), normalised, no gradient.
            teacher_logits (Tensor): The teacher's logits on ``images``.

        Returns:
            tuple[SyntheticBatch, dict[str, Tensor]]: The batch and each
            term's weighted value, by its ``student_losses`` key.
        """
        batch = SyntheticBatch(
            images, teacher_logits, None, self.adapter,
            self.teacher.data_preprocessor, self.dataset_meta,
            # the wrapped student: under DDP its gradients are reduced
            student_logits_fn=lambda x: self.adapter.logits(self.student, x),
            discrepancy_fn=self.discrepancy)
        return batch, {
            name: term(batch)
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
                latents, any(t.needs_teacher_features for t in terms.values()),
                generator=generator, augment_rng=augment_rng)
        batch.targets = targets
        return batch, {name: term(batch) for name, term in terms.items()}

    def generator_term_gradients(self, latents: torch.Tensor
                                 ) -> Dict[str, Tuple[float, float]]:
        """How strongly each term of the generator objective pulls on the
        images: its weighted value and the L2 norm of its gradient with
        respect to the generated batch.

        The balance of the terms is the ratio of these norms (a term's value
        says little: the BN term summed over layers grows with the teacher's
        depth). Runs the networks in their current mode and changes no
        parameter or ``.grad`` (BN layers in train mode do update their
        running statistics, as in a generator step).

        Args:
            latents (Tensor): (N, latent_dim), on the model's device.

        Returns:
            dict[str, tuple[float, float]]: ``name -> (value, grad norm)``.
        """
        with torch.enable_grad():
            batch, losses = self.generator_objective(latents.detach())
            if not batch.images.requires_grad:
                raise RuntimeError('the generated images carry no gradient '
                                   '(are the generator\'s parameters '
                                   'frozen?)')
            # autograd.grad leaves every parameter's .grad untouched
            return {
                name: (loss.detach().item(), float(torch.autograd.grad(
                    loss, batch.images, retain_graph=True)[0].norm()))
                for name, loss in losses.items()
            }


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


def _checkpoint_state(module: BaseDataFreeDistiller, state_dict: dict,
                      prefix: str, local_metadata: dict) -> None:
    """State-dict hook: leave the frozen teacher out, and drop the DDP
    wrappers' ``module.`` from the student's and generator's keys.

    Checkpoints then have one key layout whatever the number of processes:
    MMEngine's loader unwraps DDP submodules and expects these keys, so a
    distributed run resumes (and a single process loads its checkpoints),
    and ``tools/export_student.py`` gets plain student keys.
    """
    for key in [k for k in state_dict if k.startswith(prefix + 'teacher.')]:
        del state_dict[key]
    for name in (STUDENT, GENERATOR):
        wrapped = f'{prefix}{name}.module.'
        if not any(k.startswith(wrapped) for k in state_dict):
            continue
        for key in [k for k in state_dict if k.startswith(wrapped)]:
            state_dict[f'{prefix}{name}.{key[len(wrapped):]}'] = \
                state_dict.pop(key)


def _fill_missing_state(module: BaseDataFreeDistiller, state_dict: dict,
                        prefix: str, *args) -> None:
    """Load-state-dict pre-hook: the teacher keeps its own weights, and a
    checkpoint of a run with replay loads where replay is off (its buffer is
    dropped) and one without replay where it is on (the buffer starts
    empty)."""
    for key, value in module.teacher.state_dict().items():
        state_dict.setdefault(f'{prefix}teacher.{key}', value)
    if module.replay is None:
        for key in [k for k in state_dict if k.startswith(prefix + 'replay.')]:
            del state_dict[key]
    else:
        for key, value in module.replay.state_dict().items():
            state_dict.setdefault(f'{prefix}replay.{key}', value)
