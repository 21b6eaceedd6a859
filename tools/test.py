# Copyright (c) mmddad contributors. All rights reserved.
"""Evaluate a checkpoint on the config's test split.

The checkpoint must fit the config's model: a file of another model (a
teacher's checkpoint for the student's config, a distillation run's for an
exported student's) is refused before anything runs, instead of testing
randomly initialised weights. ``--partial-load`` loads the matching keys
anyway.

As MMPretrain's and MMSeg's test tools: ``--out results.pkl`` dumps the
predictions (MMEngine's ``DumpResults``; ``--out-item metrics`` writes the
metrics instead, as .json/.yaml/.pkl), the metrics go to the log and the work
dir, and ``--show-dir DIR`` paints the predictions of the test images.

A test only reads the run it scores, so it does not take the work dir's
lock (``WORK_DIR/.run.lock``) that training holds: a checkpoint may be
tested while its run trains on, its logs in a timestamped folder of their
own. A config file inside its own work dir (``work_dirs/x/x.py``) is left
byte-identical.

Example::

    python tools/test.py configs/ddad/ddad_x.py \\
        work_dirs/ddad_x/iter_400.pth \\
        --out work_dirs/ddad_x/predictions.pkl --show-dir painted
"""
import argparse
import os.path as osp

from mmengine.runner import Runner

from mmddad.models.wrappers import unwrap_model
from mmddad.utils import (add_cfg_options, add_force_option, check_new_file, add_launcher_options,
                          add_trust_option, atomic_write, check_folder_path,
                          check_not_input, check_weights_fit,
                          default_work_dir, init_cpu_process_group,
                          keep_config_copy, load_checkpoint_file,
                          load_tool_config, positive_int, run_tool,
                          shutdown_process_group, start_tool)

#: The file types ``--out`` writes: predictions, or metrics.
OUT_FORMATS = dict(pred=('.pkl', ), metrics=('.json', '.yaml', '.yml', '.pkl',
                                              '.pickle'))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test (and eval) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the dir to save logs and results')
    parser.add_argument(
        '--out',
        help='dump the predictions to this .pkl file (with --out-item '
        'metrics: the metrics, .json/.yaml/.pkl)')
    add_force_option(parser, 'the --out file')
    parser.add_argument(
        '--out-item',
        choices=tuple(OUT_FORMATS),
        default='pred',
        help='what --out holds (default: pred, the predictions)')
    parser.add_argument(
        '--show-dir',
        help='paint the predictions of the test images into this folder '
        '(a relative path is taken under WORK_DIR/TIMESTAMP/)')
    parser.add_argument(
        '--show-interval',
        type=positive_int,
        default=1,
        help='with --show-dir, paint every N-th test image (default 1)')
    parser.add_argument(
        '--show-teacher',
        action='store_true',
        help='with --show-dir and a distillation config, paint the '
        'teacher\'s prediction beside the student\'s')
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
    formats = OUT_FORMATS[args.out_item]
    if args.out and osp.splitext(args.out)[1] not in formats:
        what = 'predictions' if args.out_item == 'pred' else 'metrics'
        raise ValueError(f'--out "{args.out}": the {what} are written as '
                         f'{", ".join(formats)}; name the file so')
    if args.show_teacher and not args.show_dir:
        raise ValueError('--show-teacher paints into --show-dir: give both')
    if args.out:
        check_not_input(args.out, '--out', {
            'the config': args.config,
            'the checkpoint': args.checkpoint
        })
        check_new_file(args.out, '--out', args.force)
    cfg = load_tool_config(args.config, args.cfg_options)
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = default_work_dir(args.config)
    cfg.load_from = args.checkpoint
    if args.out and args.out_item == 'pred':
        evaluators = cfg.test_evaluator
        if not isinstance(evaluators, (list, tuple)):
            evaluators = [evaluators]
        cfg.test_evaluator = [*evaluators, dict(
            type='DumpResults', out_file_path=osp.abspath(args.out))]
    if args.show_dir:
        # before anything runs (painting would fail after the first batch);
        # a relative path goes under WORK_DIR/TIMESTAMP/, a new folder
        check_folder_path(
            args.show_dir if osp.isabs(args.show_dir) else osp.normpath(
                osp.join(cfg.work_dir, 'TIMESTAMP', args.show_dir)),
            '--show-dir')
        cfg.custom_hooks = [*cfg.get('custom_hooks', []), dict(
            type='PredictionPaintingHook', out_dir=args.show_dir,
            interval=args.show_interval, with_teacher=args.show_teacher)]
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
    if args.out and args.out_item == 'metrics':
        from mmengine.fileio import dump
        text = dump(metrics, file_format=osp.splitext(args.out)[1][1:])
        atomic_write(text, args.out)


if __name__ == '__main__':
    run_tool(main)
