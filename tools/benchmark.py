# Copyright (c) mmddad contributors. All rights reserved.
"""Training throughput of a data-free config: iterations/s, synthetic
images/s and peak memory, over a few dozen iterations, no evaluation.

Example::

    python tools/benchmark.py configs/ddad/ddad_resnet18-w16_resnet18-w8_mnist5k.py
    python tools/benchmark.py CONFIG --amp       # bf16 autocast on a CPU
    python tools/benchmark.py CONFIG --random-teacher --amp --amp-dtype bfloat16
    python tools/benchmark.py CONFIG --plain     # and a plain PyTorch loop
    python tools/benchmark.py CONFIG --breakdown # where an iteration's time goes
"""
import argparse
import copy
import resource
import time
from typing import Callable

import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper

from mmddad.engine.optimizers import native_cpu_bf16
from mmddad.models.wrappers import unwrap_model
from mmddad.utils import (add_amp_options, add_cfg_options, enable_amp,
                          load_tool_config, non_negative_int, positive_int,
                          run_tool, start_tool, training_only_runner)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Benchmark DDAD training')
    parser.add_argument('config', help='data-free distillation config')
    parser.add_argument('--iters', type=positive_int, default=30,
                        help='timed iterations')
    parser.add_argument('--warmup', type=non_negative_int, default=5,
                        help='untimed iterations first')
    add_amp_options(parser)
    parser.add_argument(
        '--plain',
        action='store_true',
        help='also time a plain PyTorch loop doing the same work on copies '
        'of the same networks (DDAD\'s two terms, L1 discrepancy, the same '
        'optimisers, batch, steps and replay), in the same run, and print '
        'the ratio of the speeds')
    parser.add_argument(
        '--breakdown',
        action='store_true',
        help='also time the product\'s student and generator steps one by '
        'one, and the generator\'s and teacher\'s forwards, and print the '
        'steps\' shares of the measured iteration')
    parser.add_argument(
        '--random-teacher',
        action='store_true',
        help='use a randomly initialised teacher (speed only, no checkpoint '
        'needed)')
    add_cfg_options(parser)
    return parser.parse_args()


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


def main() -> None:
    args = parse_args()
    start_tool(args)
    cfg = load_tool_config(args.config, args.cfg_options)
    if args.random_teacher:
        cfg.model.teacher.checkpoint = None
    if args.amp:
        enable_amp(cfg, dtype=args.amp_dtype)
    with training_only_runner(cfg, 'mmddad_benchmark_') as built:
        benchmark(cfg, args, *built)


def benchmark(cfg: Config, args: argparse.Namespace, model: torch.nn.Module,
              optim_wrapper: OptimWrapper, loop) -> None:
    """Time the training iterations of ``cfg`` and print the report."""
    algorithm = unwrap_model(model)
    device = algorithm.device
    setup = algorithm.describe()
    steps = len(setup['schedule'])
    batch_size = loop.dataloader.batch_size

    if args.plain:  # copies made before the product trains the networks
        plain_step = plain_ddad_loop(algorithm, cfg, batch_size)
    elapsed = timed(lambda i: model.train_step(
        loop.dataloader.batch(i, 0), optim_wrapper), args, device)
    its = args.iters / elapsed
    print(f'config          : {args.config}')
    amp = autocast_report(optim_wrapper['student'])
    native = ''
    if device.type == 'cpu':
        native = ', native bf16: ' + ('yes' if native_cpu_bf16() else 'no')
    print(f'device          : {device} (amp: {amp}, '
          f'threads: {torch.get_num_threads()}{native})')
    print('layout          : ' +
          ('channels-last' if setup['channels_last'] else 'NCHW'))
    print(f'batch x steps   : {batch_size} x {steps} '
          f'({setup["student_steps"]} student, '
          f'{setup["generator_steps"]} generator)')
    print(f'iterations/s    : {its:.3f} ({1000 / its:.0f} ms/iter)')
    print(f'synthetic img/s : {its * batch_size * steps:.0f}')
    print(f'peak memory     : {peak_memory_mib(device):.0f} MiB')
    replay = setup['replay']
    if replay is not None:
        print(f'replay buffer   : {replay["capacity"]} samples, '
              f'{replay["dtype"]}, {replay["mib"]:.1f} MiB, '
              f'ratio {replay["ratio"]:g}')
    for name, params in algorithm.parameter_counts().items():
        print(f'{name + " params":<16}: {params / 1e6:.2f} M')
    if args.plain:
        # the same autocast as the product's steps (bf16 under --amp)
        with optim_wrapper['student'].optim_context(torch.nn.Identity()):
            plain_its = args.iters / timed(plain_step, args, device)
        print(f'plain loop      : {plain_its:.3f} it/s '
              f'({1000 / plain_its:.0f} ms/iter); mmddad / plain speed: '
              f'{its / plain_its:.3f}')
    if args.breakdown:
        print_breakdown(algorithm, loop, optim_wrapper, setup, 1 / its, args,
                        device)


def timed(step: Callable[[int], object], args: argparse.Namespace,
          device: torch.device) -> float:
    """Seconds of ``args.iters`` calls of ``step`` after ``args.warmup``
    untimed ones."""
    for i in range(args.warmup):
        step(i)
    if device.type == 'cuda':
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
    start = time.perf_counter()
    for i in range(args.warmup, args.warmup + args.iters):
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


def print_breakdown(algorithm, loop, optim_wrapper: OptimWrapper,
                    setup: dict, seconds_per_iter: float,
                    args: argparse.Namespace, device: torch.device) -> None:
    """Time the product's own steps one by one (``train_student``,
    ``train_generator``: the networks go on training) and, inside a
    generator step, the generator's and the teacher's forwards (no
    gradient, the step's autocast); print each in ms and the steps' shares
    of the measured iteration (the rest: the loop, hooks and logging)."""
    data = loop.dataloader.batch(0, 0)
    steps = dict(
        student=lambda _: algorithm.train_student(data,
                                                  optim_wrapper['student']),
        generator=lambda _: algorithm.train_generator(
            data, optim_wrapper['generator']))
    ms = {name: 1000 * timed(step, args, device) / args.iters
          for name, step in steps.items()}
    latents = algorithm.sample_latents(data['batch_size'], data['rng'])
    with torch.no_grad(), optim_wrapper['generator'].optim_context(
            algorithm.generator):
        images = algorithm.generator(latents)
        forwards = dict(
            generator=lambda _: algorithm.generator(latents),
            teacher=lambda _: algorithm.adapter.logits(algorithm.teacher,
                                                       images))
        fwd_ms = {name: 1000 * timed(f, args, device) / args.iters
                  for name, f in forwards.items()}
    per_iter = 1000 * seconds_per_iter
    print('breakdown       : ms per call (share of the measured iteration)')
    for name, count in (('student', setup['student_steps']),
                        ('generator', setup['generator_steps'])):
        total = count * ms[name]
        print(f'  {name + " step":<22}: {ms[name]:7.1f} x {count} = '
              f'{total:7.1f} ({100 * total / per_iter:.0f} %)')
    rest = per_iter - sum(
        ms[n] * setup[f'{n}_steps'] for n in ('student', 'generator'))
    print(f'  loop, hooks, logs     : {rest:7.1f} '
          f'({100 * rest / per_iter:.0f} %)')
    print(f'  in a generator step   : generator forward '
          f'{fwd_ms["generator"]:.1f}, teacher forward '
          f'{fwd_ms["teacher"]:.1f} (no gradient)')


def _optimizer_args(cfg: Config, name: str) -> dict:
    """The config's optimiser arguments of ``name``, without its type."""
    args = dict(cfg.optim_wrapper[name].optimizer)
    args.pop('type', None)
    return args


if __name__ == '__main__':
    run_tool(main)
