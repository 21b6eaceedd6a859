# Copyright (c) mmddad contributors. All rights reserved.
"""Evaluate a checkpoint on the config's test split."""
import argparse

from mmengine.runner import Runner

from mmddad.utils import (add_cfg_options, add_launcher_options,
                          add_trust_option, default_work_dir,
                          init_cpu_process_group, load_tool_config,
                          shutdown_process_group, start_tool)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test (and eval) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the dir to save logs and results')
    parser.add_argument(
        '--out', help='dump the metrics to this file (.json/.yaml/.pkl)')
    add_trust_option(parser)
    add_cfg_options(parser)
    add_launcher_options(parser)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    start_tool(args)
    cfg = load_tool_config(args.config, args.cfg_options)
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = default_work_dir(args.config)
    cfg.load_from = args.checkpoint
    init_cpu_process_group(cfg.launcher,
                           cfg.get('env_cfg', {}).get('dist_cfg', {}))
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    shutdown_process_group()
    if args.out:
        from mmengine.fileio import dump
        dump(metrics, args.out)


if __name__ == '__main__':
    main()
