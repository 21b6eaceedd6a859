# Copyright (c) mmddad contributors. All rights reserved.
"""Deploy a distilled student without data: ONNX, INT8, metric and latency.

Writes to ``--work-dir``:

- ``student.onnx``: the student, fp32, one self-contained file, dynamic
  batch. Input ``image``: float32 (N, C, H, W), pixels 0..255 in the channel
  order an image loader gives (BGR for colour, as OpenCV / MMCV load them);
  the student's data preprocessing (channel order, mean, std) is inside.
  Output ``logits``: (N, classes), or (N, classes, H, W) for segmentation.
- with ``--int8``: ``student_int8.onnx``, static INT8 (QDQ, per-channel
  weights) calibrated on ``--calib-samples`` images drawn from the run's
  generator (``--calib-source synthetic``, the default; ``train`` reads
  real training images and ``noise`` uses Gaussian noise, for comparison;
  several sources give one file each, ``student_int8_<source>.onnx`` after
  the first).
- ``deploy_report.json``: the task metric on the config's validation split
  for the PyTorch student, ORT fp32 and ORT INT8, the ORT-PyTorch logit
  difference and prediction agreement, file sizes, and CPU latency (median
  of ``--latency-runs`` runs) of the teacher and the student in PyTorch and
  ONNX Runtime, with the thread count and the CPU.
- ``deploy_index.json``: the files above, as this run wrote them.

The files are written into a hidden folder of the work dir and moved into
place when all are complete. A work dir that holds another deployment is
refused unless ``--force``, which replaces that deployment as a whole (the
files its index lists, e.g. an INT8 model this run does not make) and never
touches other files: a file this run would write that no index lists (e.g.
a ``student.onnx`` of the user's) is refused, with or without ``--force``.
While files are moved into place an index lists all of them, and the hidden
folder of a killed run is removed by the next one.

Example::

    python tools/deploy.py configs/ddad/ddad_resnet18-w16_resnet18-w8_mnist5k.py \\
        work_dirs/ddad_resnet18-w16_resnet18-w8_mnist5k/iter_400.pth \\
        --work-dir work_dirs/deploy_mnist5k --int8
"""
import argparse
import json
import os
import os.path as osp
import shutil
from typing import Dict, List

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from mmddad.apis import init_distiller
from mmddad.datasets import val_dataset_meta
from mmddad.deploy import (CALIBRATION_METHODS, CALIBRATION_SOURCES,
                           DeployableModel,
                           calibration_batches, cpu_description,
                           evaluate_deployed, export_onnx, median_ms,
                           ort_session, quantize_int8, require_onnx,
                           run_session)
from mmddad.engine.hooks import HEADLINE_METRICS
from mmddad.utils import (add_cfg_options, add_trust_option, atomic_write,
                          check_folder_path, check_not_input,
                          default_work_dir, indexed_paths, load_tool_config,
                          non_negative_int, output_folder, positive_int,
                          private_temp_folder, read_json,
                          remove_stale_temp_folders, run_tool, start_tool)

STUDENT_FILE, REPORT_FILE = 'student.onnx', 'deploy_report.json'
#: The index of a deployment: the files this tool wrote into the work dir
#: (``--force`` replaces those and no other file).
INDEX_FILE = 'deploy_index.json'
#: The tag of the hidden folder a deployment is written into first.
TMP_TAG = 'deploy'


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
        f'{INDEX_FILE} lists; other files are kept)')
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


def output_names(args: argparse.Namespace) -> List[str]:
    """The files this run writes into the work dir, its index last."""
    int8 = [('student_int8.onnx' if i == 0 else f'student_int8_{source}.onnx')
            for i, source in enumerate(args.calib_source)] if args.int8 \
        else []
    return [STUDENT_FILE, *int8, REPORT_FILE, INDEX_FILE]


def deployment_files(work_dir: str) -> List[str]:
    """The files of an earlier deployment in ``work_dir``: those its index
    lists, and the index. A file no index lists is not one, whatever its
    name (the user's ``student_int8_backup.onnx``)."""
    index = osp.join(work_dir, INDEX_FILE)
    if not osp.isfile(index):
        return []
    record = read_json(index, 'the index of an earlier deployment, ')
    listed = record.get('files', []) if isinstance(record, dict) else []
    # an edited index must not reach outside the folder (by `..`, an
    # absolute path or a symlink): refused
    return sorted({*indexed_paths(work_dir, listed, index), INDEX_FILE})


def check_work_dir(work_dir: str, force: bool, names: List[str],
                   inputs: Dict[str, str]) -> List[str]:
    """Refuse a work dir the run may not write into, before anything is
    loaded or written.

    Args:
        work_dir (str): ``--work-dir``.
        force (bool): ``--force``: replace another deployment.
        names (list[str]): The files this run writes (:func:`output_names`).
        inputs (dict[str, str]): The config and checkpoint, which no output
            may be.

    Returns:
        list[str]: The files of an earlier deployment, to replace.

    Raises:
        FileExistsError: ``work_dir`` holds another deployment and ``force``
            is off, or (even with ``force``) a file this run would write
            that no index lists.
    """
    check_folder_path(work_dir, '--work-dir')
    old = deployment_files(work_dir)
    for name in sorted({*old, *names}):
        check_not_input(osp.join(work_dir, name), '--work-dir file', inputs)
    unlisted = [n for n in names if n not in old
                and osp.lexists(osp.join(work_dir, n))]
    if unlisted:
        raise FileExistsError(
            f'--work-dir "{work_dir}" holds {", ".join(unlisted)}, which this '
            f'run would write but no {INDEX_FILE} lists: not replaced, even '
            'with --force; move it away or choose another folder')
    if old and not force:
        raise FileExistsError(
            f'--work-dir "{work_dir}" holds another deployment '
            f'({", ".join(old)}); pass --force to replace it as a whole, or '
            'choose another folder')
    return old


def publish(tmp: str, work_dir: str, names: List[str],
            replaced: List[str]) -> None:
    """Move this run's files from ``tmp`` into ``work_dir`` and remove the
    rest of the deployment ``replaced``. An index lists every file of this
    tool in the folder at each step: first one of both runs' files, the new
    one last, so the files of a run killed midway are replaced by the next
    ``--force``."""
    index = osp.join(work_dir, INDEX_FILE)
    record = read_json(osp.join(tmp, INDEX_FILE))
    atomic_write(json.dumps(dict(record, files=sorted({*replaced, *names})),
                            indent=1), index)
    for name in replaced:
        if name not in names and osp.lexists(osp.join(work_dir, name)):
            os.remove(osp.join(work_dir, name))
    for name in names:  # the index last
        os.replace(osp.join(tmp, name), osp.join(work_dir, name))


def latencies(deployables: Dict[str, DeployableModel],
              files: Dict[str, Dict[str, str]], shape, args
              ) -> List[dict]:
    """Median latency in milliseconds of each model, in PyTorch and each of
    its ONNX files, at each batch size."""
    torch.set_num_threads(args.threads)
    rows = []
    for batch_size in args.latency_batch_sizes:
        images = torch.rand(batch_size, *shape) * 255
        for name, deployable in deployables.items():
            row = dict(model=name, batch_size=batch_size)
            with torch.no_grad():
                row['pytorch'] = median_ms(lambda: deployable(images),
                                           args.latency_runs,
                                           args.latency_warmup)
            for kind, path in files[name].items():
                session = ort_session(path, args.threads)
                row[kind] = median_ms(
                    lambda: run_session(session, images.numpy()),
                    args.latency_runs, args.latency_warmup)
            rows.append(row)
    return rows


def print_report(report: dict) -> None:
    metric = report['metric']
    print('\n' + '=' * 72)
    print(f'config     : {report["config"]}')
    print(f'checkpoint : {report["checkpoint"]} ({report["holds"]})')
    print(f'input      : {report["input"]["name"]} float32 '
          f'{report["input"]["shape"]}, pixels 0..255 as loaded; output '
          f'{report["output"]["name"]} {report["output"]["shape"]}')
    print(f'{metric} on the validation split '
          f'({report["val_samples"]} samples):')
    for name, row in report['results'].items():
        extra = ''
        if 'max_abs_logit_diff' in row:
            extra = (f'  (max |logit - PyTorch| {row["max_abs_logit_diff"]:.2g}'
                     f', predictions agree {100 * row["prediction_agreement"]:.2f}'
                     ' %)')
        print(f'  {name:<22} {row[metric]:8.2f}{extra}')
    fp32 = report['results'].get('ort_fp32')
    reference = report['results'].get('PyTorch student')
    if fp32 and reference and abs(fp32[metric] - reference[metric]) > 0.1:
        print(f'WARNING: the ONNX fp32 student scores {fp32[metric]:.2f} '
              f'and the PyTorch student {reference[metric]:.2f}: the export '
              'does not run the model as its own preprocessing does (a bug '
              'worth reporting with this report)')
    sizes = ', '.join(f'{k} {v / 1e6:.3f} MB'
                      for k, v in report['file_bytes'].items())
    print(f'file sizes : {sizes}')
    if report['latency_ms']:
        cpu = report['cpu']
        print(f'latency (ms, median of {report["latency_runs"]} runs, '
              f'{report["threads"]} threads; {cpu["model"]}, '
              f'{", ".join(cpu["features"]) or "no AVX"}):')
        for row in report['latency_ms']:
            cells = ', '.join(f'{k} {v:.2f}' for k, v in row.items()
                              if k not in ('model', 'batch_size'))
            print(f'  {row["model"]:<8} batch {row["batch_size"]:>3}: {cells}')
    print('=' * 72)


def main() -> None:
    args = parse_args()
    start_tool(args)
    require_onnx()
    work_dir = args.work_dir or osp.join(default_work_dir(args.config),
                                         'deploy')
    names = output_names(args)
    inputs = {'the config': args.config, 'the checkpoint': args.checkpoint}
    check_work_dir(work_dir, args.force, names, inputs)
    cfg = load_tool_config(args.config, args.cfg_options)
    # a failed or refused run leaves no folder it made
    with output_folder(work_dir, '--work-dir'):
        remove_stale_temp_folders(work_dir, TMP_TAG)
        tmp = private_temp_folder(work_dir, TMP_TAG)
        try:
            report = deploy_into(tmp, cfg, args, names)
            publish(tmp, work_dir, names,
                    check_work_dir(work_dir, args.force, names, inputs))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    print_report(report)
    print(f'wrote {", ".join(names)} to {work_dir}')


def deploy_into(work_dir: str, cfg: Config, args: argparse.Namespace,
                names: List[str]) -> dict:
    """Export, quantise, evaluate and time the student, writing ``names``
    into ``work_dir`` (the run's temporary folder).

    Returns:
        dict: The report.
    """
    init_default_scope(cfg.get('default_scope', 'mmddad'))
    model = init_distiller(cfg, args.checkpoint, accept_student=True)
    loaded = model.checkpoint_info
    if args.int8 and 'synthetic' in args.calib_source and \
            'generator' not in loaded['modules']:
        raise ValueError(
            f'--calib-source synthetic draws calibration images from the '
            f'run\'s generator, but "{args.checkpoint}" holds '
            f'{loaded["description"]}, '
            'without one: pass the run\'s checkpoint (iter_N.pth), or '
            '--calib-source train / noise')
    adapter = model.adapter
    student = DeployableModel(model.student, adapter).eval()
    teacher = DeployableModel(model.teacher, adapter).eval()

    dataloader = Runner.build_dataloader(cfg.val_dataloader, seed=args.seed)
    shape = tuple(dataloader.dataset[0]['inputs'].shape)
    student_path = osp.join(work_dir, STUDENT_FILE)
    export_onnx(student, (2, *shape), student_path)
    files = {'student': {'ort_fp32': student_path}, 'teacher': {}}
    sessions = {'ort_fp32': ort_session(student_path, args.threads)}
    calibration = []
    if args.int8:
        for i, source in enumerate(args.calib_source):
            name = 'ort_int8' if i == 0 else f'ort_int8_{source}'
            path = osp.join(work_dir, names[1 + i])
            quantize_int8(student_path, path, calibration_batches(
                source, model, cfg, args.calib_samples,
                args.calib_batch_size, shape, args.seed,
                args.calib_train_config), method=args.calib_method)
            files['student'][name] = path
            sessions[name] = ort_session(path, args.threads)
            calibration.append(dict(model=name, source=source,
                                    method=args.calib_method,
                                    samples=args.calib_samples,
                                    seed=args.seed))

    meta = dict(val_dataset_meta(cfg))
    meta.update(getattr(dataloader.dataset, 'metainfo', {}) or {})
    results = evaluate_deployed(student, sessions, dataloader,
                                cfg.val_evaluator, meta)
    metric = next((m for m in HEADLINE_METRICS if m in results['pytorch']),
                  next(iter(results['pytorch'])))
    if args.latency_batch_sizes:  # the teacher only to compare with
        teacher_path = osp.join(work_dir, '.teacher.onnx')  # not published
        files['teacher']['ort_fp32'] = teacher_path
        export_onnx(teacher, (2, *shape), teacher_path)
    sizes = {f'{name} {kind[4:]}': osp.getsize(path)
             for name in ('teacher', 'student')
             for kind, path in files[name].items()}
    timing = latencies(dict(teacher=teacher, student=student), files, shape,
                       args)
    if 'ort_fp32' in files['teacher']:
        os.remove(files['teacher']['ort_fp32'])
    with torch.no_grad():
        out_shape = list(student(torch.zeros(1, *shape)).shape[1:])
    report = dict(
        config=args.config, checkpoint=args.checkpoint,
        holds=loaded['description'],
        input=dict(name='image', shape=['N', *shape], dtype='float32',
                   pixels='0..255, channel order as loaded (BGR for colour)'),
        output=dict(name='logits', shape=['N', *out_shape]),
        metric=metric, val_samples=len(dataloader.dataset),
        results={('PyTorch student' if k == 'pytorch' else k): v
                 for k, v in results.items()},
        calibration=calibration,
        files={k: {kind: osp.relpath(p, work_dir) for kind, p in v.items()}
               for k, v in files.items() if k == 'student'},
        file_bytes=sizes, threads=args.threads,
        latency_runs=args.latency_runs, latency_ms=timing,
        cpu=cpu_description(), torch=torch.__version__)
    try:
        import onnxruntime
        report['onnxruntime'] = onnxruntime.__version__
    except ImportError:  # pragma: no cover - require_onnx checked it
        pass
    atomic_write(json.dumps(report, indent=2, default=float),
                 osp.join(work_dir, REPORT_FILE))
    atomic_write(json.dumps(dict(config=args.config,
                                 checkpoint=args.checkpoint, files=names),
                            indent=1), osp.join(work_dir, INDEX_FILE))
    return report


if __name__ == '__main__':
    run_tool(main)
