# Copyright (c) mmddad contributors. All rights reserved.
"""Training throughput of a data-free config: iterations/s, synthetic
images/s and peak memory, over a few dozen iterations, no evaluation.

Example::

    python tools/benchmark.py configs/ddad/ddad_resnet18-w16_resnet18-w8_mnist5k.py
    python tools/benchmark.py CONFIG --amp       # bf16 autocast on a CPU
    python tools/benchmark.py CONFIG --random-teacher --amp --amp-dtype bfloat16
    python tools/benchmark.py CONFIG --plain     # and a plain PyTorch loop
"""
import argparse
import copy
import resource
import tempfile
import time
from typing import Callable

import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from mmengine.runner import Runner

from mmddad.engine.optimizers import native_cpu_bf16
from mmddad.models.wrappers import unwrap_model
from mmddad.utils import (add_amp_options, add_cfg_options, enable_amp,
                          load_tool_config, non_negative_int, positive_int,
                          run_tool, start_tool)


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
    for key in ('val_dataloader', 'val_cfg', 'val_evaluator',
                'test_dataloader', 'test_cfg', 'test_evaluator'):
        cfg.pop(key, None)
    cfg.default_hooks = dict(logger=None, checkpoint=None)
    cfg.log_level = 'WARNING'
    # the runner's logs go to a temporary folder, removed on every exit
    with tempfile.TemporaryDirectory(prefix='mmddad_benchmark_') as work_dir:
        cfg.work_dir = work_dir
        benchmark(cfg, args)


def benchmark(cfg: Config, args: argparse.Namespace) -> None:
    """Time the training iterations of ``cfg`` and print the report."""
    runner = Runner.from_cfg(cfg)
    optim_wrapper = runner.build_optim_wrapper(cfg.optim_wrapper)
    loop = runner.build_train_loop(cfg.train_cfg)
    model = runner.model
    algorithm = unwrap_model(model)
    model.train()
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
        plain_its = args.iters / timed(plain_step, args, device)
        print(f'plain loop      : {plain_its:.3f} it/s '
              f'({1000 / plain_its:.0f} ms/iter); mmddad / plain speed: '
              f'{its / plain_its:.3f}')


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


def _optimizer_args(cfg: Config, name: str) -> dict:
    """The config's optimiser arguments of ``name``, without its type."""
    args = dict(cfg.optim_wrapper[name].optimizer)
    args.pop('type', None)
    return args


if __name__ == '__main__':
    run_tool(main)
