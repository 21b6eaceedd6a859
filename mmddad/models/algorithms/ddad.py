# Copyright (c) mmddad contributors. All rights reserved.
"""Dual Discriminator Adversarial Distillation (Zhao et al., 2022)."""
from contextlib import contextmanager
from typing import Dict, Iterator, List, Optional, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModel, is_model_wrapper
from mmengine.optim import OptimWrapper, OptimWrapperDict

from mmddad.registry import MODELS
from ..network_builder import build_network
from ..task_adapters import BaseTaskAdapter, build_task_adapter

STUDENT, GENERATOR = 'student', 'generator'


@MODELS.register_module()
class DDAD(BaseModel):
    """Data-free distillation of a frozen teacher into a student.

    A generator ``G`` maps latents to images in the teacher's normalised input
    space. Each iteration runs ``student_steps`` student steps and
    ``generator_steps`` generator steps (students first unless
    ``generator_first``), each on fresh latents:

    - student step: ``L_S = d(T(x), S(x))`` with ``x = G(z)`` detached;
    - generator step: ``L_G = lambda_bn * L_bn - lambda_adv * d(T(x), S(x))
      + lambda_oh * L_oh + lambda_ie * L_ie`` (``-log(1 + d)`` instead of
      ``-d`` with ``adversarial_form='log'``); only ``G`` is updated.

    ``lambda_bn=0`` is DFAD, ``lambda_adv=0`` a DeepInversion-style
    generator, and the DAFL terms with ``lambda_bn=0`` approximate DAFL.
    Validation and test evaluate the student with its own data preprocessor.

    Args:
        teacher (dict): ``cfg_path`` (OpenMMLab config) or a model config,
            and ``checkpoint``; see :func:`build_network`. Frozen.
        student (dict): Same form; usually no checkpoint.
        generator (dict): Generator config, e.g. ``DCGANGenerator``.
        bn_loss (dict): The statistics loss. Defaults to
            ``BNStatisticsLoss``.
        discrepancy (dict): ``d``. Defaults to ``LogitsL1Loss``.
        lambda_bn (float): Weight of the BN-statistics loss. Defaults to 1.
        lambda_adv (float): Weight of the adversarial term. Defaults to 1.
        lambda_oh (float): Weight of DAFL's one-hot loss. Defaults to 0.
        lambda_ie (float): Weight of DAFL's information-entropy loss.
            Defaults to 0.
        adversarial_form (str): ``'linear'`` (``-d``) or ``'log'``
            (``-log(1 + d)``, bounded, as DFAD uses for segmentation).
        student_steps (int): Student steps per iteration. Defaults to 5.
        generator_steps (int): Generator steps per iteration. Defaults to 1.
        generator_first (bool): Run the generator steps first.
        task_adapter (dict, optional): How logits are read; None picks the
            adapter of the teacher's task.
        data_preprocessor (dict, optional): Ignored. Runners pass the
            dataset's top-level ``data_preprocessor`` here, but training
            draws latents already in normalised space and evaluation goes
            through the student's own preprocessor.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 teacher: dict,
                 student: dict,
                 generator: dict,
                 bn_loss: dict = dict(type='BNStatisticsLoss'),
                 discrepancy: dict = dict(type='LogitsL1Loss'),
                 lambda_bn: float = 1.0,
                 lambda_adv: float = 1.0,
                 lambda_oh: float = 0.0,
                 lambda_ie: float = 0.0,
                 adversarial_form: str = 'linear',
                 student_steps: int = 5,
                 generator_steps: int = 1,
                 generator_first: bool = False,
                 task_adapter: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor=None, init_cfg=init_cfg)
        self._check_settings(lambda_bn, lambda_adv, lambda_oh, lambda_ie,
                             adversarial_form, student_steps, generator_steps)
        self.lambda_bn = float(lambda_bn)
        self.lambda_adv = float(lambda_adv)
        self.lambda_oh = float(lambda_oh)
        self.lambda_ie = float(lambda_ie)
        self.adversarial_form = adversarial_form
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
        self.bn_loss = MODELS.build(bn_loss)
        self.one_hot_loss = MODELS.build(dict(type='OneHotLoss'))
        self.entropy_loss = MODELS.build(dict(type='InformationEntropyLoss'))

        num_bn = self.bn_loss.attach(self.teacher)
        if num_bn == 0 and self.lambda_bn > 0:
            raise ValueError(
                f'`model.lambda_bn` is {lambda_bn} but the teacher '
                f'({type(self.teacher).__name__}) has no BatchNorm layer '
                'with running statistics: DDAD\'s first discriminator reads '
                'them. Use a teacher with BatchNorm, or set '
                '`model.lambda_bn=0` (DFAD).')
        self._check_pair()
        self.dataset_meta = getattr(self.teacher, 'dataset_meta', None)
        # Checkpoints hold no teacher weights: the teacher comes from its own
        # checkpoint, and resuming must not depend on it.
        self._register_state_dict_hook(_drop_teacher_state)
        self._register_load_state_dict_pre_hook(
            _fill_teacher_state, with_module=True)

    # ------------------------------------------------------------------ set-up
    @staticmethod
    def _check_settings(lambda_bn: float, lambda_adv: float, lambda_oh: float,
                        lambda_ie: float, adversarial_form: str,
                        student_steps: int, generator_steps: int) -> None:
        for key, value in (('lambda_bn', lambda_bn),
                           ('lambda_adv', lambda_adv),
                           ('lambda_oh', lambda_oh), ('lambda_ie', lambda_ie),
                           ('generator_steps', generator_steps)):
            if value < 0:
                raise ValueError(f'`model.{key}` must be >= 0, got {value}')
        if student_steps < 1:
            raise ValueError('`model.student_steps` must be >= 1, got '
                             f'{student_steps}')
        if generator_steps > 0 and max(lambda_bn, lambda_adv, lambda_oh,
                                       lambda_ie) == 0:
            raise ValueError('every generator loss weight (`model.lambda_*`) '
                             'is 0: the generator would learn nothing; set '
                             '`model.generator_steps=0` to keep it fixed')
        if adversarial_form not in ('linear', 'log'):
            raise ValueError("`model.adversarial_form` must be 'linear' or "
                             f"'log', got {adversarial_form!r}")

    def _check_pair(self) -> None:
        """Fail early if the generator, teacher and student do not fit."""
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
            module = _unwrap(module)  # the runner initialises after wrapping
            if hasattr(module, 'init_weights'):
                module.init_weights()

    def train(self, mode: bool = True) -> 'DDAD':
        """Set the training mode; the teacher always stays in eval mode."""
        super().train(mode)
        self.teacher.eval()
        return self

    # -------------------------------------------------------------- training
    def sample_latents(self, batch_size: int,
                       rng: torch.Generator) -> torch.Tensor:
        """Draw ``z ~ N(0, I)`` of shape (batch_size, latent_dim) on the
        device of ``rng``."""
        return torch.randn(
            batch_size,
            self.latent_dim,
            generator=rng,
            device=rng.device)

    def train_step(self, data: dict, optim_wrapper: OptimWrapperDict
                   ) -> Dict[str, torch.Tensor]:
        """One DDAD iteration: the student and generator steps of
        ``self.schedule``, each on fresh latents.

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
                step_logs = self._student_step(data, optim_wrapper[STUDENT])
            else:
                step_logs = self._generator_step(data,
                                                 optim_wrapper[GENERATOR])
            for key, value in step_logs.items():
                logs.setdefault(key, []).append(value)
        return {k: torch.stack(v).mean() for k, v in logs.items()}

    def _student_step(self, data: dict,
                      optim_wrapper: OptimWrapper) -> Dict[str, torch.Tensor]:
        """Update the student on generated images; G and T are constants."""
        z = self.sample_latents(data['batch_size'], data['rng'])
        with torch.no_grad():
            images = self.generator(z)
            teacher_logits = self.adapter.logits(self.teacher, images)
        with optim_wrapper.optim_context(self.student):
            student_logits = self.adapter.logits(self.student, images)
            loss = self.discrepancy(student_logits, teacher_logits)
        optim_wrapper.update_params(loss)
        return dict(loss_student=loss.detach())

    def _generator_step(self, data: dict, optim_wrapper: OptimWrapper
                        ) -> Dict[str, torch.Tensor]:
        """Update the generator through the frozen teacher and student."""
        z = self.sample_latents(data['batch_size'], data['rng'])
        # the student is called unwrapped: under DDP it must not expect a
        # gradient reduction for this forward
        student = _unwrap(self.student)
        with optim_wrapper.optim_context(self.generator), \
                _no_param_grad(student):
            images = self.generator(z)
            if self.lambda_bn > 0:
                with self.bn_loss.recording():
                    teacher_logits = self.adapter.logits(self.teacher, images)
            else:
                teacher_logits = self.adapter.logits(self.teacher, images)
            losses: Dict[str, torch.Tensor] = {}
            if self.lambda_bn > 0:
                losses['loss_bn'] = self.lambda_bn * self.bn_loss()
            if self.lambda_adv > 0:
                student_logits = self.adapter.logits(student, images)
                gap = self.discrepancy(student_logits, teacher_logits)
                adv = -torch.log1p(gap) if self.adversarial_form == 'log' \
                    else -gap
                losses['loss_adv'] = self.lambda_adv * adv
            if self.lambda_oh > 0:
                losses['loss_oh'] = self.lambda_oh * self.one_hot_loss(
                    teacher_logits)
            if self.lambda_ie > 0:
                losses['loss_ie'] = self.lambda_ie * self.entropy_loss(
                    teacher_logits)
            loss = sum(losses.values())
            optim_wrapper.update_params(loss)
        logs = {k: v.detach() for k, v in losses.items()}
        logs['loss_generator'] = loss.detach()
        return logs

    # ----------------------------------------------------------- evaluation
    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[list] = None,
                mode: str = 'tensor') -> Union[torch.Tensor, list]:
        """Run the student (``'tensor'`` or ``'predict'`` mode)."""
        if mode == 'loss':
            raise RuntimeError('DDAD trains through train_step(); it has no '
                               "'loss' mode")
        return self.student(inputs, data_samples, mode=mode)

    def val_step(self, data: Union[dict, tuple, list]) -> list:
        """Predict with the student, through its own data preprocessor."""
        return self.student.val_step(data)

    def test_step(self, data: Union[dict, tuple, list]) -> list:
        """Predict with the student, through its own data preprocessor."""
        return self.student.test_step(data)


def _unwrap(module: nn.Module) -> nn.Module:
    """The module inside a DDP wrapper (itself when not wrapped)."""
    return module.module if is_model_wrapper(module) else module


@contextmanager
def _no_param_grad(module: nn.Module) -> Iterator[None]:
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


def _drop_teacher_state(module: DDAD, state_dict: dict, prefix: str,
                        local_metadata: dict) -> None:
    """State-dict hook: leave the frozen teacher out of checkpoints."""
    for key in [k for k in state_dict if k.startswith(prefix + 'teacher.')]:
        del state_dict[key]


def _fill_teacher_state(module: DDAD, state_dict: dict, prefix: str, *args
                        ) -> None:
    """Load-state-dict pre-hook: the teacher keeps its own weights."""
    for key, value in module.teacher.state_dict().items():
        state_dict.setdefault(f'{prefix}teacher.{key}', value)
