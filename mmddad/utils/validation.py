# Copyright (c) mmddad contributors. All rights reserved.
"""Checks of values a config holds, each failing in one line that names the
key: numbers (:func:`check_number`), the run's common settings (seed,
optimiser hyper-parameters) and the top-level keys ``--cfg-options`` sets."""
import difflib
import inspect
import math
import numbers
from typing import Any, Iterator, Optional, Tuple, Union

from mmengine.config import Config


def check_number(value: Any,
                 key: str,
                 integer: bool = False,
                 least: Optional[float] = None,
                 most: Optional[float] = None,
                 above: Optional[float] = None) -> Union[int, float]:
    """A number read from a config at build time, checked for type and
    range, with one line that names the key, the value and what is
    expected (``--cfg-options`` gives strings and fractions as readily as
    numbers).

    Args:
        value (Any): The value as the config holds it.
        key (str): Its config key, e.g. ``'model.student_steps'``.
        integer (bool): It must be an integer (``2.0`` is taken as 2).
            Defaults to False.
        least (float, optional): Inclusive lower bound.
        most (float, optional): Inclusive upper bound.
        above (float, optional): Exclusive lower bound.

    Returns:
        int | float: The value, an int if ``integer``, else a float.

    Raises:
        TypeError: Not a number (booleans are not), or a fraction where an
            integer is expected.
        ValueError: Not finite, or out of range.
    """
    bounds = [f'{sign} {bound:g}' for sign, bound in (
        ('>', above), ('>=', least), ('<=', most)) if bound is not None]
    expected = ('an integer' if integer else 'a number') + (
        ' ' + ' and '.join(bounds) if bounds else '')
    message = f'`{key}` must be {expected}, got {value!r}'
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(message)
    if not math.isfinite(value):
        raise ValueError(message)
    if integer and not float(value).is_integer():
        raise TypeError(message)
    if (above is not None and not value > above) or (
            least is not None and value < least) or (
                most is not None and value > most):
        raise ValueError(message)
    return int(value) if integer else float(value)


#: Optimiser settings that must be non-negative numbers where given.
OPTIMIZER_NUMBERS = ('lr', 'momentum', 'weight_decay', 'eps', 'dampening')


def _optimizers(value: Any, key: str) -> Iterator[Tuple[str, dict]]:
    """Every ``optimizer`` dict under ``optim_wrapper`` (one wrapper, or a
    dict of them, e.g. ``generator`` and ``student``), with its key."""
    if not isinstance(value, dict):
        return
    if isinstance(value.get('optimizer'), dict):
        yield f'{key}.optimizer', value['optimizer']
    for name, child in value.items():
        if name != 'optimizer' and isinstance(child, dict):
            yield from _optimizers(child, f'{key}.{name}')


def check_run_settings(cfg: Config) -> None:
    """Check the settings every run reads before it starts: the seed and
    the optimisers' numbers (a word given where a number belongs fails deep
    inside PyTorch with a message that names no key).

    Args:
        cfg (Config): The run's config.

    Raises:
        TypeError: A value of the wrong type; the message names its key.
        ValueError: A value out of range; the message names its key.
    """
    seed = (cfg.get('randomness') or {}).get('seed')
    if seed is not None:
        check_number(seed, 'randomness.seed', integer=True, least=0,
                     most=2**32 - 1)
    for key, optimizer in _optimizers(cfg.get('optim_wrapper'),
                                      'optim_wrapper'):
        for name in OPTIMIZER_NUMBERS:
            if optimizer.get(name) is not None:
                check_number(optimizer[name], f'{key}.{name}', least=0)
        betas = optimizer.get('betas')
        if betas is not None:
            if not isinstance(betas, (list, tuple)) or len(betas) != 2:
                raise TypeError(f'`{key}.betas` must be two numbers, got '
                                f'{betas!r}')
            for i, beta in enumerate(betas):
                check_number(beta, f'{key}.betas.{i}', least=0, most=1)


def runner_keys() -> Tuple[str, ...]:
    """The top-level config keys MMEngine's ``Runner`` reads."""
    from mmengine.runner import Runner
    return tuple(name for name in inspect.signature(Runner.__init__).parameters
                 if name != 'self')


def check_cfg_option_keys(cfg: Config, cfg_options: Optional[dict]) -> None:
    """Refuse a ``--cfg-options`` key whose top-level part is neither in the
    config nor a key the runner reads (``modle.student_steps=3`` would
    otherwise add a key nothing reads, silently).

    Args:
        cfg (Config): The config before the options are merged.
        cfg_options (dict, optional): The options, dotted keys.

    Raises:
        KeyError: The first unknown top-level key, with the option and the
            nearest existing key.
    """
    known = set(cfg.keys()) | set(runner_keys())
    for option in cfg_options or {}:
        top = option.split('.')[0]
        if top in known:
            continue
        close = difflib.get_close_matches(top, sorted(known), n=1)
        hint = f' (did you mean `{close[0]}`?)' if close else ''
        raise KeyError(f'--cfg-options {option}: the config has no top-level '
                       f'key `{top}` and the runner reads none{hint}')
