# Copyright (c) mmddad contributors. All rights reserved.
"""Plot the training curves of a run from MMEngine's scalars log.

Panels: every logged loss (the student's ``loss_student``, each term of the
generator objective under its ``model.generator_losses`` name, weighted as
logged, and their sum ``loss_generator``) and every validation metric, all
against iterations.

Example::

    python tools/plot_curves.py work_dirs/ddad_x --out curves.png
"""
import argparse
import glob
import io
import json
import os.path as osp
from typing import Dict, Tuple

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402

from mmddad.utils import atomic_write, run_tool  # noqa: E402

TITLES: Dict[str, str] = {
    'loss_student': 'student loss d(T, S)',
    'loss_generator': 'generator: weighted sum of its terms',
}
NOT_METRICS = {'step', 'iter', 'epoch', 'time', 'data_time', 'lr', 'memory'}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('work_dir', help='work dir of a run')
    parser.add_argument('--out', help='PNG path (default: WORK_DIR/curves.png)')
    return parser.parse_args()


def read_scalars(work_dir: str) -> Tuple[Dict[str, list], Dict[str, list]]:
    """Training and validation series ``{key: [(iter, value), ...]}`` from
    every ``*/vis_data/scalars.json`` of the work dir (resumed runs write a
    new one), in time order.

    A validation record is placed at the iteration of the training record
    logged before it (MMEngine validates right after that iteration), since
    its own ``step`` is the epoch when metrics are logged by epoch.
    """
    logs = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data',
                                     'scalars.json')))
    if not logs:
        raise FileNotFoundError(f'no */vis_data/scalars.json in "{work_dir}"'
                                ': is it the work dir of an MMEngine run?')
    train: Dict[str, list] = {}
    val: Dict[str, list] = {}
    last_train_step = None
    for log in logs:
        with open(log) as f:
            for line in f:
                record = json.loads(line)
                is_train = 'iter' in record or any(
                    k.startswith('loss') for k in record)
                step = record.get('step')
                if is_train:
                    last_train_step = step
                elif last_train_step is not None:
                    step = last_train_step
                for key, value in record.items():
                    if key in NOT_METRICS or key.endswith('lr') or \
                            not isinstance(value, (int, float)):
                        continue
                    target = train if is_train else val
                    target.setdefault(key, []).append((step, value))
    return train, val


def main() -> None:
    args = parse_args()
    train, val = read_scalars(args.work_dir)
    panels = [(k, TITLES.get(k, f'generator term {k} (weighted)'), v)
              for k, v in train.items() if k.startswith('loss')]
    panels += [(k, f'validation {k}', v) for k, v in val.items()]
    if not panels:
        raise ValueError(f'no losses or metrics logged in "{args.work_dir}"')
    fig, axes = plt.subplots(1, len(panels), figsize=(4 * len(panels), 3.2))
    axes = axes if len(panels) > 1 else [axes]
    for ax, (key, title, series) in zip(axes, panels):
        xs, ys = zip(*series)
        ax.plot(xs, ys, marker='o' if len(xs) < 30 else None)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel('iteration')
        ax.grid(alpha=0.3)
    fig.tight_layout()
    out = args.out or osp.join(args.work_dir, 'curves.png')
    buffer = io.BytesIO()
    fig.savefig(buffer, format='png', dpi=110)
    atomic_write(buffer.getvalue(), out)
    print(f'wrote {out}')


if __name__ == '__main__':
    run_tool(main)
