# Copyright (c) mmddad contributors. All rights reserved.
"""Training throughput of a data-free config (``tools/benchmark.py``):
iterations/s, synthetic images/s and peak memory over a few dozen
iterations without evaluation; optionally against a plain PyTorch loop
doing the same work, and where an iteration's time goes."""
import copy
import resource
import time
from typing import Callable, Dict, Optional

import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper

from mmddad.engine.optimizers import native_cpu_bf16
from mmddad.models.wrappers import unwrap_model
from mmddad.utils import enable_amp, training_only_runner


def benchmark(cfg: Config,
              iters: int = 30,
              warmup: int = 5,
              plain: bool = False,
              breakdown: bool = False,
              random_teacher: bool = False,
              amp: bool = False,
              amp_dtype: Optional[str] = None) -> dict:
    """Time the training iterations of a config (its model, optimisers and
    loop as the runner builds them; no validation, logging or
    checkpoints).

    Args:
        cfg (Config): The data-free distillation config (changed in place).
        iters (int): Timed iterations. Defaults to 30.
        warmup (int): Untimed iterations first. Defaults to 5.
        plain (bool): Also time a plain PyTorch loop doing the same work
            (DDAD's two terms, L1 discrepancy, the same optimisers, batch,
            steps and replay) on copies of the same networks.
        breakdown (bool): Also time the student and generator steps one by
            one, and the generator's and teacher's forwards.
        random_teacher (bool): A randomly initialised teacher (speed only,
            no checkpoint needed).
        amp (bool): Automatic mixed precision (:func:`enable_amp`).
        amp_dtype (str, optional): ``'float16'`` or ``'bfloat16'``.

    Returns:
        dict: ``config``, ``device``, ``amp`` (what the built optimiser
        autocasts to), ``threads``, ``native_bf16`` (CPU), ``channels_last``,
        ``batch_size``, ``student_steps``, ``generator_steps``,
        ``iterations_per_second``, ``peak_memory_mib``, ``replay``,
        ``parameters``, ``plain_iterations_per_second`` and ``breakdown``
        (None unless asked).
    """
    if random_teacher:
        cfg.model.teacher.checkpoint = None
    if amp:
        enable_amp(cfg, dtype=amp_dtype)
    with training_only_runner(cfg, 'mmddad_benchmark_') as built:
        return _benchmark(cfg, iters, warmup, plain, breakdown, *built)


def _benchmark(cfg: Config, iters: int, warmup: int, plain: bool,
               breakdown: bool, model: torch.nn.Module,
               optim_wrapper: OptimWrapper, loop) -> dict:
    algorithm = unwrap_model(model)
    device = algorithm.device
    setup = algorithm.describe()
    batch_size = loop.dataloader.batch_size
    if plain:  # copies made before the product trains the networks
        plain_step = plain_ddad_loop(algorithm, cfg, batch_size)
    its = iters / _timed(lambda i: model.train_step(
        loop.dataloader.batch(i, 0), optim_wrapper), iters, warmup, device)
    result = dict(
        config=cfg.filename, device=str(device),
        amp=autocast_report(optim_wrapper['student']),
        threads=torch.get_num_threads(),
        native_bf16=native_cpu_bf16() if device.type == 'cpu' else None,
        channels_last=setup['channels_last'], batch_size=batch_size,
        student_steps=setup['student_steps'],
        generator_steps=setup['generator_steps'],
        iterations_per_second=its, peak_memory_mib=peak_memory_mib(device),
        replay=setup['replay'], parameters=algorithm.parameter_counts(),
        plain_iterations_per_second=None, breakdown=None)
    if plain:
        # the same autocast as the product's steps (bf16 under --amp)
        with optim_wrapper['student'].optim_context(torch.nn.Identity()):
            result['plain_iterations_per_second'] = iters / _timed(
                plain_step, iters, warmup, device)
    if breakdown:
        result['breakdown'] = _breakdown(algorithm, loop, optim_wrapper,
                                         iters, warmup, device)
    return result


def peak_memory_mib(device: torch.device) -> float:
    """Peak GPU memory allocated, or the process's peak RSS on CPU."""
    if device.type == 'cuda':
        return torch.cuda.max_memory_allocated(device) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def autocast_report(optim_wrapper: OptimWrapper) -> str:
    """What a built optim wrapper autocasts its forwards to: ``'off'``, or
    the dtype and the wrapper's type (what ``--amp`` or the config chose)."""
    if not hasattr(optim_wrapper, 'cast_dtype'):
        return 'off'
    # MMEngine's AmpOptimWrapper leaves the dtype to autocast: float16
    dtype = optim_wrapper.cast_dtype or torch.float16
    return f'{str(dtype).replace("torch.", "")} ' \
        f'({type(optim_wrapper).__name__})'


def _timed(step: Callable[[int], object], iters: int, warmup: int,
           device: torch.device) -> float:
    """Seconds of ``iters`` calls of ``step`` after ``warmup`` untimed
    ones."""
    for i in range(warmup):
        step(i)
    if device.type == 'cuda':
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
    start = time.perf_counter()
    for i in range(warmup, warmup + iters):
        step(i)
    if device.type == 'cuda':
        torch.cuda.synchronize(device)
    return time.perf_counter() - start


def plain_ddad_loop(algorithm, cfg: Config,
                    batch_size: int) -> Callable[[int], None]:
    """One DDAD iteration written as plain PyTorch, on copies of the
    algorithm's networks: the reference the framework's overhead is measured
    against. It does the work of the config's iteration (BN-statistics and
    adversarial L1 terms at their weights, ``student_steps`` student steps on
    fresh or replayed images, one generator step, the config's optimisers),
    with nothing else: no hooks, logging, wrappers or checks.

    Returns:
        callable: ``step(i)`` runs iteration ``i``.
    """
    setup = algorithm.describe()
    if setup['augment'] is not None or set(setup['generator_losses']) - {
            'loss_bn', 'loss_adv'}:
        raise ValueError('--plain times DDAD\'s two terms without '
                         '`model.augment`: compare with such a config')
    teacher, student, generator = (copy.deepcopy(unwrap_model(getattr(
        algorithm, name))) for name in ('teacher', 'student', 'generator'))
    terms = algorithm.generator_losses
    w_bn = terms['loss_bn'].loss_weight if 'loss_bn' in terms else 0.0
    w_adv = terms['loss_adv'].loss_weight if 'loss_adv' in terms else 0.0
    mean_over_layers = 'loss_bn' in terms and \
        terms['loss_bn'].layer_reduction == 'mean'
    opt_s = torch.optim.SGD(student.parameters(),
                            **_optimizer_args(cfg, 'student'))
    opt_g = torch.optim.Adam(generator.parameters(),
                             **_optimizer_args(cfg, 'generator'))
    bns = [m for m in teacher.modules()
           if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    records = []

    def hook(bn, inputs, _):
        var, mean = torch.var_mean(inputs[0], dim=(0, 2, 3), unbiased=False)
        records.append(torch.linalg.vector_norm(mean - bn.running_mean) +
                       torch.linalg.vector_norm(var - bn.running_var))

    for bn in bns:
        bn.register_forward_hook(hook)
    capacity = 0 if setup['replay'] is None else setup['replay']['capacity']
    store = dict(
        images=torch.empty(capacity, *algorithm.image_shape,
                           dtype=torch.float16),
        logits=torch.empty(capacity, *algorithm.logits_shape,
                           dtype=torch.float16),
        count=0)
    latent_dim = algorithm.latent_dim

    def add(x: torch.Tensor, t: torch.Tensor) -> None:
        """Ring buffer of past images and teacher logits."""
        pos = (store['count'] + torch.arange(len(x))) % capacity
        store['images'][pos], store['logits'][pos] = x.half(), t.half()
        store['count'] += len(x)

    def step(i: int) -> None:
        rng = torch.Generator().manual_seed(i)
        for _ in range(setup['student_steps']):
            filled = min(store['count'], capacity)
            if capacity and filled >= min(capacity, batch_size):
                idx = torch.randint(filled, (batch_size, ), generator=rng)
                x = store['images'][idx].float()
                t = store['logits'][idx].float()
            else:
                with torch.no_grad():
                    x = generator(torch.randn(batch_size, latent_dim,
                                              generator=rng))
                    t = teacher(x, mode='tensor')
                if capacity:
                    add(x, t)
            loss = (student(x, mode='tensor') - t).abs().mean()
            opt_s.zero_grad()
            loss.backward()
            opt_s.step()
        student.requires_grad_(False)
        x = generator(torch.randn(batch_size, latent_dim, generator=rng))
        records.clear()
        t = teacher(x, mode='tensor')
        bn_loss = torch.stack(records)
        bn_loss = bn_loss.mean() if mean_over_layers else bn_loss.sum()
        adv = (student(x, mode='tensor') - t).abs().mean()
        loss = w_bn * bn_loss - w_adv * adv
        opt_g.zero_grad()
        loss.backward()
        opt_g.step()
        student.requires_grad_(True)
        if capacity:
            add(x.detach(), t.detach())

    student.train()
    generator.train()
    return step


def _breakdown(algorithm, loop, optim_wrapper: OptimWrapper, iters: int,
               warmup: int, device: torch.device) -> Dict[str, float]:
    """Milliseconds of the product's own steps one by one (``train_student``,
    ``train_generator``: the networks go on training) and, inside a
    generator step, of the generator's and the teacher's forwards (no
    gradient, the step's autocast)."""
    data = loop.dataloader.batch(0, 0)
    steps = dict(
        student=lambda _: algorithm.train_student(data,
                                                  optim_wrapper['student']),
        generator=lambda _: algorithm.train_generator(
            data, optim_wrapper['generator']))
    ms = {f'{name}_step': 1000 * _timed(step, iters, warmup, device) / iters
          for name, step in steps.items()}
    latents = algorithm.sample_latents(data['batch_size'], data['rng'])
    with torch.no_grad(), optim_wrapper['generator'].optim_context(
            algorithm.generator):
        images = algorithm.generator(latents)
        forwards = dict(
            generator=lambda _: algorithm.generator(latents),
            teacher=lambda _: algorithm.adapter.logits(algorithm.teacher,
                                                       images))
        for name, forward in forwards.items():
            ms[f'{name}_forward'] = 1000 * _timed(forward, iters, warmup,
                                                  device) / iters
    return ms


def _optimizer_args(cfg: Config, name: str) -> dict:
    """The config's optimiser arguments of ``name``, without its type."""
    args = dict(cfg.optim_wrapper[name].optimizer)
    args.pop('type', None)
    return args


def format_benchmark(result: dict) -> str:
    """The report ``tools/benchmark.py`` prints of a :func:`benchmark`
    result."""
    its, batch_size = result['iterations_per_second'], result['batch_size']
    steps = result['student_steps'] + result['generator_steps']
    native = '' if result['native_bf16'] is None else \
        ', native bf16: ' + ('yes' if result['native_bf16'] else 'no')
    lines = [
        f'config          : {result["config"]}',
        f'device          : {result["device"]} (amp: {result["amp"]}, '
        f'threads: {result["threads"]}{native})',
        'layout          : ' +
        ('channels-last' if result['channels_last'] else 'NCHW'),
        f'batch x steps   : {batch_size} x {steps} '
        f'({result["student_steps"]} student, '
        f'{result["generator_steps"]} generator)',
        f'iterations/s    : {its:.3f} ({1000 / its:.0f} ms/iter)',
        f'synthetic img/s : {its * batch_size * steps:.0f}',
        f'peak memory     : {result["peak_memory_mib"]:.0f} MiB'
    ]
    replay = result['replay']
    if replay is not None:
        stored = 'images and logits' if replay.get('logits', True) \
            else 'images only'
        lines.append(f'replay buffer   : {replay["capacity"]} samples '
                     f'({stored}), {replay["dtype"]}, '
                     f'{replay["mib"]:.1f} MiB, ratio {replay["ratio"]:g}')
    for name, params in result['parameters'].items():
        lines.append(f'{name + " params":<16}: {params / 1e6:.2f} M')
    plain = result['plain_iterations_per_second']
    if plain is not None:
        lines.append(f'plain loop      : {plain:.3f} it/s '
                     f'({1000 / plain:.0f} ms/iter); mmddad / plain speed: '
                     f'{its / plain:.3f}')
    ms = result['breakdown']
    if ms is not None:
        per_iter = 1000 / its
        lines.append('breakdown       : ms per call (share of the measured '
                     'iteration)')
        for name in ('student', 'generator'):
            count = result[f'{name}_steps']
            total = count * ms[f'{name}_step']
            lines.append(f'  {name + " step":<22}: {ms[f"{name}_step"]:7.1f}'
                         f' x {count} = {total:7.1f} '
                         f'({100 * total / per_iter:.0f} %)')
        rest = per_iter - sum(ms[f'{n}_step'] * result[f'{n}_steps']
                              for n in ('student', 'generator'))
        lines.append(f'  loop, hooks, logs     : {rest:7.1f} '
                     f'({100 * rest / per_iter:.0f} %)')
        lines.append(f'  in a generator step   : generator forward '
                     f'{ms["generator_forward"]:.1f}, teacher forward '
                     f'{ms["teacher_forward"]:.1f} (no gradient)')
    return '\n'.join(lines)
