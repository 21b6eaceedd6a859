# Copyright (c) mmddad contributors. All rights reserved.
"""Train with an mmddad config (teacher recipes and data-free distillation).

Before training, what the run will load is checked: ``--resume`` needs a
training checkpoint whose weights fit the config's model, and warns about
each ``--cfg-options`` value the resumed state overrides; ``load_from``
warns with the count of missing keys and stops when nothing matches. A run
that fails at start-up leaves the work dir's config copy as it was; a config
file inside its own work dir is never replaced. While another live run
trains into the same work dir, a run is refused (``WORK_DIR/.run.lock``).
"""
import argparse

from mmddad.apis import train
from mmddad.apis.cli import (add_amp_options, add_cfg_options,
                             add_launcher_options, add_trust_option,
                             tool_work_dir, load_tool_config, run_tool,
                             start_tool)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from the given checkpoint, or from the latest checkpoint '
        'in the work dir when no path is given')
    add_amp_options(parser)
    parser.add_argument(
        '--no-validate',
        action='store_true',
        help='do not evaluate checkpoints during training')
    add_trust_option(parser)
    add_cfg_options(parser)
    add_launcher_options(parser)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    start_tool(args)
    cfg = load_tool_config(args.config, args.cfg_options)
    cfg.work_dir = tool_work_dir(args, cfg)
    train(cfg, resume=args.resume, validate=not args.no_validate,
          amp=args.amp, amp_dtype=args.amp_dtype, launcher=args.launcher,
          cfg_options=args.cfg_options)


if __name__ == '__main__':
    run_tool(main)
