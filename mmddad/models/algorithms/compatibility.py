# Copyright (c) mmddad contributors. All rights reserved.
"""Start-up checks of a distiller's networks: do the teacher, the student
and the generator fit each other, and is the schedule sound? Each fails
before the first iteration with the config key to fix."""
import warnings
from typing import Optional, Tuple

import torch
import torch.nn as nn

from mmddad.utils import check_number
from mmddad.visualization import swaps_channels
from ..network_builder import network_input_size
from ..task_adapters import BaseTaskAdapter


def check_schedule(student_steps: int,
                   generator_steps: int) -> Tuple[int, int]:
    """The step counts of an iteration, checked: integers,
    ``student_steps >= 1`` and ``generator_steps >= 0``."""
    return (check_number(student_steps, 'model.student_steps',
                         integer=True, least=1),
            check_number(generator_steps, 'model.generator_steps',
                         integer=True, least=0))


def check_preprocessing(teacher: nn.Module, student: nn.Module) -> None:
    """Teacher and student must normalise (mean, std) and order channels
    (BGR/RGB) alike: the generated images live in the teacher's normalised
    space, and on real images one of them would see other pixels."""
    teacher_pre = getattr(teacher, 'data_preprocessor', None)
    student_pre = getattr(student, 'data_preprocessor', None)
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


def dry_run(adapter: BaseTaskAdapter, network: nn.Module, name: str,
            images: torch.Tensor) -> torch.Tensor:
    """Logits of the teacher or student (``name``) on generated images, or
    an error that names the generator settings to check."""
    try:
        return adapter.logits(network, images)
    except Exception as e:  # noqa: BLE001 - name the config key at fault
        raise ValueError(
            f'the {name} cannot take the generator\'s images of shape '
            f'{tuple(images.shape[1:])}: check `model.generator.out_size`'
            f' and `out_channels` against `model.{name}` ({e})') from e


def check_pair(teacher: nn.Module, student: nn.Module, generator: nn.Module,
               adapter: BaseTaskAdapter
               ) -> Tuple[torch.Size, torch.Size]:
    """Fail early if the generator, teacher and student do not fit: same
    preprocessing, same task, the generator's images taken by both, the
    same number of classes. Runs both on two generated images (no
    gradients; the student and generator in eval mode, restored after).

    Returns:
        tuple[torch.Size, torch.Size]: The shape of one generated image
        and of the teacher's logits on it.
    """
    check_preprocessing(teacher, student)
    if not adapter.accepts(student):
        raise TypeError(
            f'`model.student` ({type(student).__name__}) is not a '
            f'{adapter.task} model like the teacher')
    modes = [m.training for m in (generator, student)]
    generator.eval()
    student.eval()
    try:
        with torch.no_grad():
            images = generator(torch.randn(2, generator.latent_dim))
            t = dry_run(adapter, teacher, 'teacher', images)
            s = dry_run(adapter, student, 'student', images)
    finally:
        generator.train(modes[0])
        student.train(modes[1])
    if t.shape[1] != s.shape[1]:
        raise ValueError(
            f'the teacher predicts {t.shape[1]} classes and the student '
            f'{s.shape[1]}: set the student\'s number of classes '
            '(e.g. `model.student.head.num_classes`) to the teacher\'s')
    return images.shape[1:], t.shape[1:]


def check_input_size(teacher_cfg: dict, adapter: BaseTaskAdapter,
                     size: Tuple[int, int]) -> Optional[str]:
    """Warn when the generator draws images of another size than the
    teacher's own config feeds it (its BN statistics, the first
    discriminator, were measured at that size). Smaller images are fine for
    tasks whose models run on any size (segmentation).

    Returns:
        str | None: The warning given, if any.
    """
    expected = network_input_size(teacher_cfg)
    if expected is None or expected == size:
        return None
    if adapter.takes_smaller_inputs and all(
            s <= e for s, e in zip(size, expected)):
        return None
    message = (
        f'`model.generator.out_size` gives {size[0]}x{size[1]} images, '
        f'but the teacher\'s config feeds it {expected[0]}x{expected[1]}'
        ' inputs (`model.teacher.cfg_path`): its BN statistics were '
        'measured at that size; set `model.generator.out_size` to it '
        'unless the difference is intended')
    warnings.warn(message)
    return message
