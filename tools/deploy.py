# Copyright (c) mmddad contributors. All rights reserved.
"""Deploy a distilled student without data: ONNX, INT8, metric and latency.

Writes ``student.onnx`` (fp32, the student's preprocessing inside: input
``image``, float32 (N, C, H, W) pixels 0..255 as loaded, BGR for colour;
output ``logits``), with ``--int8`` ``student_int8.onnx`` (static INT8
calibrated on ``--calib-samples`` images of the run's generator; other
``--calib-source`` s for comparison, one file each), ``deploy_report.json``
(the task metric of the PyTorch student, ORT fp32 and INT8 on the
validation split, their parity, file sizes, CPU latency of teacher and
student) and ``deploy_index.json`` into ``--work-dir``: written into a
hidden folder and moved into place when complete. Another deployment there
is replaced as a whole only with ``--force``; other files are kept, and one
this run would write that no index lists is refused
(:func:`mmddad.apis.deploy_student`).

Example::

    python tools/deploy.py configs/ddad/ddad_resnet18-w16_resnet18-w8_mnist5k.py \\
        work_dirs/ddad_resnet18-w16_resnet18-w8_mnist5k/iter_400.pth \\
        --work-dir work_dirs/deploy_mnist5k --int8
"""
import argparse
import os.path as osp

import torch

from mmddad.apis import DEPLOY_INDEX, deploy_student, format_deploy_report
from mmddad.apis.cli import (add_cfg_options, add_trust_option,
                             default_work_dir, load_tool_config,
                             non_negative_int, positive_int, run_tool,
                             start_tool)
from mmddad.deploy import CALIBRATION_METHODS, CALIBRATION_SOURCES


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Export a distilled student to ONNX (and INT8), check it '
        'with ONNX Runtime and time it')
    parser.add_argument('config', help='the distillation config')
    parser.add_argument(
        'checkpoint',
        help='a checkpoint of the run (iter_N.pth) or its exported student')
    parser.add_argument(
        '--work-dir',
        help='output folder (default: work_dirs/<config name>/deploy)')
    parser.add_argument(
        '--force',
        action='store_true',
        help='replace another deployment in --work-dir (all the files its '
        f'{DEPLOY_INDEX} lists; other files are kept)')
    parser.add_argument('--int8', action='store_true',
                        help='also quantize the student to INT8')
    parser.add_argument('--calib-samples', type=positive_int, default=512,
                        help='calibration images for --int8 (default 512)')
    parser.add_argument(
        '--calib-source', nargs='+', choices=CALIBRATION_SOURCES,
        default=['synthetic'],
        help='where calibration images come from: the run\'s generator '
        '(default), real training images or Gaussian noise (the last two '
        'for comparison); several give one INT8 model each')
    parser.add_argument(
        '--calib-train-config',
        help='for --calib-source train: a config whose train_dataloader '
        'holds the real training images (default: the teacher\'s recipe, '
        '`model.teacher.cfg_path`)')
    parser.add_argument('--calib-batch-size', type=positive_int, default=32)
    parser.add_argument(
        '--calib-method', choices=sorted(CALIBRATION_METHODS),
        default='minmax',
        help='how INT8 activation ranges are set from the calibration '
        'images: min and max seen (default), histogram entropy, or the '
        '99.999th percentile (ONNX Runtime\'s calibrators)')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the calibration images')
    parser.add_argument(
        '--threads', type=positive_int, default=torch.get_num_threads(),
        help='CPU threads of ONNX Runtime and PyTorch (default: '
        'PyTorch\'s, i.e. the cores)')
    parser.add_argument('--latency-runs', type=positive_int, default=50,
                        help='timed runs per latency (median reported)')
    parser.add_argument('--latency-warmup', type=non_negative_int,
                        default=10, help='untimed runs first')
    parser.add_argument('--latency-batch-sizes', type=positive_int,
                        nargs='*', default=[1, 32],
                        help='batch sizes to time (none: no timing)')
    add_trust_option(parser)
    add_cfg_options(parser)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    start_tool(args)
    cfg = load_tool_config(args.config, args.cfg_options)
    report = deploy_student(
        cfg, args.checkpoint, work_dir=args.work_dir or osp.join(
            default_work_dir(args.config), 'deploy'), force=args.force,
        int8=args.int8, calib_samples=args.calib_samples,
        calib_sources=args.calib_source,
        calib_train_config=args.calib_train_config,
        calib_batch_size=args.calib_batch_size,
        calib_method=args.calib_method, seed=args.seed,
        threads=args.threads, latency_runs=args.latency_runs,
        latency_warmup=args.latency_warmup,
        latency_batch_sizes=args.latency_batch_sizes)
    print(format_deploy_report(report))


if __name__ == '__main__':
    run_tool(main)
