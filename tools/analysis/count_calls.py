# Copyright (c) mmddad contributors. All rights reserved.
"""Count the calls between mmddad's package files in training iterations.

A call counts when a function defined in one file of ``mmddad/`` is
entered from another file of ``mmddad/``: the caller is the nearest
package frame up the stack, so a call made through PyTorch (a module's
``__call__``, a forward hook) counts as a call from the package code that
made it. Calls within one file and calls that stay in PyTorch or MMEngine
are not counted. The model of ``CONFIG`` is
built with a random teacher (no checkpoint needed), one warm-up iteration
runs (the replay buffer fills), then ``--iters`` iterations are counted and
the mean per iteration is printed with the busiest file pairs.

Example::

    python tools/analysis/count_calls.py \\
        configs/ddad/ddad_resnet18-w16_resnet18-w8_mnist5k.py
"""
import argparse
import collections
import os.path as osp
import sys
from typing import Counter, Tuple

import mmddad
from mmddad.apis.cli import (add_cfg_options, load_tool_config, positive_int,
                             run_tool, start_tool)
from mmddad.models.wrappers import unwrap_model
from mmddad.utils import training_only_runner

PACKAGE = osp.dirname(osp.abspath(mmddad.__file__)) + osp.sep
THIS_FILE = osp.abspath(__file__)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='a data-free config (its teacher is '
                        'replaced by a random one)')
    for flag, default, what in (('--iters', 3, 'iterations counted'),
                                ('--top', 15, 'file pairs listed')):
        parser.add_argument(flag, type=positive_int, default=default,
                            help=what)
    add_cfg_options(parser)
    return parser.parse_args()


def count_calls(step, iters: int) -> Tuple[Counter, int]:
    """Run ``step(i)`` ``iters`` times under a profiler.

    Returns:
        tuple[Counter, int]: Calls per (caller file, callee file) pair of
        package files, and their total.
    """
    pairs: Counter = collections.Counter()

    def profile(frame, event, _):
        if event != 'call':
            return
        callee = frame.f_code.co_filename
        if not callee.startswith(PACKAGE):
            return
        caller = frame.f_back
        while caller is not None and not caller.f_code.co_filename.startswith(
                PACKAGE):
            if caller.f_code.co_filename == THIS_FILE:
                return  # a call of the counted step itself
            caller = caller.f_back
        if caller is None or caller.f_code.co_filename == callee:
            return
        pairs[(caller.f_code.co_filename[len(PACKAGE):],
               callee[len(PACKAGE):])] += 1

    sys.setprofile(profile)
    try:
        for i in range(iters):
            step(i)
    finally:
        sys.setprofile(None)
    return pairs, sum(pairs.values())


def main() -> None:
    args = parse_args()
    start_tool(args)
    cfg = load_tool_config(args.config, args.cfg_options)
    cfg.model.teacher.checkpoint = None
    with training_only_runner(cfg, 'mmddad_calls_') as (model, optim_wrapper,
                                                        loop):

        def step(i: int) -> None:
            model.train_step(loop.dataloader.batch(i, 0), optim_wrapper)

        step(0)  # warm-up: lazy imports, the replay buffer's first batch
        pairs, total = count_calls(lambda i: step(i + 1), args.iters)
    algorithm = unwrap_model(model)
    files = {f for pair in pairs for f in pair}
    print(f'config: {args.config} ({type(algorithm).__name__}, '
          f'{algorithm.describe()["schedule"]})')
    print(f'calls between package files per iteration: '
          f'{total / args.iters:.0f} (over {len(files)} files)')
    for (caller, callee), n in pairs.most_common(args.top):
        print(f'  {n / args.iters:6.1f}  {caller} -> {callee}')


if __name__ == '__main__':
    run_tool(main)
