# Copyright (c) mmddad contributors. All rights reserved.
"""Evaluate a checkpoint on the config's test split.

The checkpoint must fit the config's model: a file of another model (a
teacher's checkpoint for the student's config, a distillation run's for an
exported student's) is refused before anything runs, instead of testing
randomly initialised weights. ``--partial-load`` loads the matching keys
anyway.
"""
import argparse
import os.path as osp

from mmengine.runner import Runner

from mmddad.models.wrappers import unwrap_model
from mmddad.utils import (add_cfg_options, add_launcher_options,
                          add_trust_option, atomic_write, check_weights_fit,
                          default_work_dir, init_cpu_process_group,
                          keep_config_copy, load_checkpoint_file,
                          load_tool_config, run_tool, shutdown_process_group,
                          start_tool)

#: The file types ``--out`` writes.
OUT_FORMATS = ('.json', '.yaml', '.yml', '.pkl', '.pickle')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test (and eval) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the dir to save logs and results')
    parser.add_argument(
        '--out', help='dump the metrics to this file (.json/.yaml/.pkl)')
    parser.add_argument(
        '--partial-load',
        action='store_true',
        help='test even if the checkpoint lacks some of the model\'s keys '
        'or has others (by default that is an error)')
    add_trust_option(parser)
    add_cfg_options(parser)
    add_launcher_options(parser)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    start_tool(args)
    if args.out and osp.splitext(args.out)[1] not in OUT_FORMATS:
        raise ValueError(f'--out "{args.out}": the metrics are written as '
                         f'{", ".join(OUT_FORMATS)}; name the file so')
    cfg = load_tool_config(args.config, args.cfg_options)
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = default_work_dir(args.config)
    cfg.load_from = args.checkpoint
    init_cpu_process_group(cfg.launcher,
                           cfg.get('env_cfg', {}).get('dist_cfg', {}))
    with keep_config_copy(cfg):
        runner = Runner.from_cfg(cfg)
        check_weights_fit(
            unwrap_model(runner.model),
            load_checkpoint_file(args.checkpoint),
            f'checkpoint "{args.checkpoint}"',
            f'the model of {args.config}',
            strict=not args.partial_load,
            opt_out='--partial-load')
    metrics = runner.test()
    shutdown_process_group()
    if args.out:
        from mmengine.fileio import dump
        text = dump(metrics, file_format=osp.splitext(args.out)[1][1:])
        atomic_write(text, args.out)


if __name__ == '__main__':
    run_tool(main)
