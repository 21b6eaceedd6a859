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
from typing import Dict, List, Tuple

import torch

from mmddad.apis import init_distiller
from mmddad.models import DDAD, generator_term_gradients
from mmddad.utils import (add_cfg_options, add_trust_option, device_option,
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


def mean_term_gradients(model: DDAD, batch_size: int, batches: int,
                        rng: torch.Generator
                        ) -> Dict[str, Tuple[float, float]]:
    """``name -> (weighted value, image-gradient norm)``, averaged over
    ``batches`` generated batches."""
    runs: List[Dict[str, Tuple[float, float]]] = [
        generator_term_gradients(model,
                                 model.sample_latents(batch_size, rng))
        for _ in range(batches)
    ]
    return {
        name: tuple(sum(r[name][i] for r in runs) / batches for i in (0, 1))
        for name in runs[0]
    }


def format_table(stats: Dict[str, Tuple[float, float]]) -> str:
    """The per-term table, norms relative to the first term's."""
    reference = next(iter(stats.values()))[1]
    lines = [f'{"term":<16}{"value":>12}{"|grad|":>12}{"x first":>10}']
    for name, (value, norm) in stats.items():
        ratio = norm / reference if reference > 0 else float('nan')
        lines.append(f'{name:<16}{value:>12.4g}{norm:>12.4g}{ratio:>10.3g}')
    return '\n'.join(lines)


def main() -> None:
    args = parse_args()
    start_tool(args)
    cfg = load_tool_config(args.config, args.cfg_options)
    model = init_distiller(cfg, args.checkpoint, args.device,
                           seed=args.seed).train()
    batch_size = cfg.train_dataloader.batch_size
    rng = torch.Generator(device=args.device).manual_seed(args.seed)
    stats = mean_term_gradients(model, batch_size, args.batches, rng)
    state = (f'checkpoint {args.checkpoint}'
             if args.checkpoint else 'as initialised')
    print(f'{args.config} ({state}), {args.batches} x {batch_size} images')
    print(format_table(stats))


if __name__ == '__main__':
    run_tool(main)
