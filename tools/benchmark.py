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

from mmddad.apis import benchmark, format_benchmark
from mmddad.apis.cli import (add_amp_options, add_cfg_options,
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


def main() -> None:
    args = parse_args()
    start_tool(args)
    cfg = load_tool_config(args.config, args.cfg_options)
    print(format_benchmark(benchmark(
        cfg, args.iters, args.warmup, plain=args.plain,
        breakdown=args.breakdown, random_teacher=args.random_teacher,
        amp=args.amp, amp_dtype=args.amp_dtype)))


if __name__ == '__main__':
    run_tool(main)
