# Copyright (c) mmddad contributors. All rights reserved.
"""Training throughput of a data-free config: iterations/s, synthetic
images/s and peak memory, over a few dozen iterations, no evaluation.

Example::

    python tools/benchmark.py configs/ddad/ddad_resnet18-w16_resnet18-w8_mnist5k.py
    python tools/benchmark.py CONFIG --amp       # bf16 autocast on a CPU
    python tools/benchmark.py CONFIG --random-teacher --amp --amp-dtype bfloat16
"""
import argparse
import resource
import tempfile
import time

import torch
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
    cfg.work_dir = tempfile.mkdtemp(prefix='mmddad_benchmark_')
    cfg.log_level = 'WARNING'

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

    def run(n: int, offset: int) -> None:
        for i in range(n):
            model.train_step(
                loop.dataloader.batch(offset + i, 0), optim_wrapper)

    run(args.warmup, 0)
    if device.type == 'cuda':
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
    start = time.perf_counter()
    run(args.iters, args.warmup)
    if device.type == 'cuda':
        torch.cuda.synchronize(device)
    elapsed = time.perf_counter() - start

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


if __name__ == '__main__':
    run_tool(main)
