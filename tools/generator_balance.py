# Copyright (c) mmddad contributors. All rights reserved.
"""The balance of the generator's terms: how hard each pulls on the images.

Prints, for every term of ``model.generator_losses``, its weighted value and
the norm of its gradient with respect to the generated images (mean over
``--batches`` batches of the config's batch size), and each norm relative to
the first term's. The gradient norms, not the values, say which term drives
the generator: the BN term summed over the teacher's layers grows with its
depth, so weights tuned on one teacher can let it drown the adversarial term
on the next. Run it on a new teacher before training (the generator and
student as initialised) or on a checkpoint of a run.

Example::

    python tools/generator_balance.py configs/ddad/ddad_x.py
    python tools/generator_balance.py configs/ddad/ddad_x.py \\
        --checkpoint work_dirs/ddad_x/iter_400.pth
"""
import argparse

from mmddad.apis import format_generator_balance, generator_balance
from mmddad.apis.cli import (add_cfg_options, add_trust_option, device_option,
                             load_tool_config, positive_int, run_tool,
                             start_tool)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Per-term image-gradient norms of the generator '
        'objective')
    parser.add_argument('config', help='the distillation config')
    parser.add_argument(
        '--checkpoint',
        help='a checkpoint of the run (default: the generator and student '
        'as initialised, as training starts)')
    parser.add_argument('--batches', type=positive_int, default=4,
                        help='batches to average over')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the initialisation and the latents')
    parser.add_argument('--device', type=device_option, default='cpu',
                        help='cpu (default), cuda or cuda:N')
    add_trust_option(parser)
    add_cfg_options(parser)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    start_tool(args)
    cfg = load_tool_config(args.config, args.cfg_options)
    stats = generator_balance(cfg, args.checkpoint, args.batches, args.seed,
                              args.device)
    state = (f'checkpoint {args.checkpoint}'
             if args.checkpoint else 'as initialised')
    print(f'{args.config} ({state}), {args.batches} x '
          f'{cfg.train_dataloader.batch_size} images')
    print(format_generator_balance(stats))


if __name__ == '__main__':
    run_tool(main)
