# Copyright (c) mmddad contributors. All rights reserved.
"""A distilled student deployed without data (``tools/deploy.py``): ONNX
with its preprocessing inside, INT8 calibrated on synthetic images, the
task metric and the parity with PyTorch in ONNX Runtime, and CPU latency.
The primitives are in :mod:`mmddad.deploy`."""
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from mmddad.datasets import val_dataset_meta
from mmddad.deploy import (DeployableModel, calibration_batches,
                           cpu_description, evaluate_deployed, export_onnx,
                           median_ms, ort_session, quantize_int8,
                           require_onnx, run_session)
from mmddad.engine.hooks import HEADLINE_METRICS
from mmddad.utils import IndexedOutputFolder, atomic_write
from .inference import init_distiller

STUDENT_FILE, REPORT_FILE = 'student.onnx', 'deploy_report.json'
#: The index of a deployment: the files written into the work dir
#: (``force`` replaces those and no other file).
DEPLOY_INDEX = 'deploy_index.json'


def deploy_output_names(int8: bool = False,
                        calib_sources: Sequence[str] = ('synthetic', )
                        ) -> List[str]:
    """The files a deployment writes into its work dir, its index last."""
    int8_files = [('student_int8.onnx' if i == 0 else
                   f'student_int8_{source}.onnx')
                  for i, source in enumerate(calib_sources)] if int8 else []
    return [STUDENT_FILE, *int8_files, REPORT_FILE, DEPLOY_INDEX]


def deploy_student(cfg: Config,
                   checkpoint: str,
                   work_dir: str,
                   force: bool = False,
                   int8: bool = False,
                   calib_samples: int = 512,
                   calib_sources: Sequence[str] = ('synthetic', ),
                   calib_train_config: Optional[str] = None,
                   calib_batch_size: int = 32,
                   calib_method: str = 'minmax',
                   seed: int = 0,
                   threads: Optional[int] = None,
                   latency_runs: int = 50,
                   latency_warmup: int = 10,
                   latency_batch_sizes: Sequence[int] = (1, 32)) -> dict:
    """Export the student of a run to ONNX (and INT8), check it in ONNX
    Runtime on the config's validation split, and time it.

    Writes ``student.onnx`` (fp32, dynamic batch; input ``image``: float32
    (N, C, H, W) pixels 0..255 in the channel order an image loader gives,
    the student's preprocessing inside; output ``logits``), with ``int8``
    ``student_int8.onnx`` (static QDQ INT8 calibrated on
    ``calib_samples`` images of the first source; one file
    ``student_int8_<source>.onnx`` per further source), the report
    ``deploy_report.json`` and the index ``deploy_index.json``. The work
    dir follows :class:`~mmddad.utils.IndexedOutputFolder`: another
    deployment is replaced as a whole only with ``force``, other files are
    kept, files are moved into place when all are complete.

    Args:
        cfg (Config): The distillation config.
        checkpoint (str): A checkpoint of the run, or its exported student
            (then ``calib_sources`` cannot hold ``'synthetic'``).
        work_dir (str): The output folder.
        force (bool): Replace another deployment in ``work_dir``.
        int8 (bool): Also quantise the student to INT8.
        calib_samples (int): Calibration images per INT8 model.
        calib_sources (Sequence[str]): ``'synthetic'`` (the run's
            generator), ``'train'`` (real training images) or ``'noise'``;
            one INT8 model each.
        calib_train_config (str, optional): For ``'train'``: a config whose
            ``train_dataloader`` holds the images (default: the teacher's
            recipe).
        calib_batch_size (int): Calibration batch size.
        calib_method (str): ``'minmax'``, ``'entropy'`` or
            ``'percentile'``.
        seed (int): Seed of the calibration images.
        threads (int, optional): CPU threads of ONNX Runtime and PyTorch
            (default: PyTorch's).
        latency_runs (int): Timed runs per latency (the median is kept).
        latency_warmup (int): Untimed runs first.
        latency_batch_sizes (Sequence[int]): Batch sizes to time (empty: no
            timing).

    Returns:
        dict: The report as written to ``deploy_report.json``, plus
        ``work_dir`` and ``written`` (the files of the deployment).
    """
    require_onnx()
    threads = threads or torch.get_num_threads()
    names = deploy_output_names(int8, calib_sources)
    folder = IndexedOutputFolder(
        work_dir, '--work-dir', DEPLOY_INDEX, 'deploy', force,
        what='another deployment',
        inputs={'the config': cfg.filename, 'the checkpoint': checkpoint})
    folder.check(names)  # before anything is loaded or written
    init_default_scope(cfg.get('default_scope', 'mmddad'))
    model = init_distiller(cfg, checkpoint, accept_student=True)
    loaded = model.checkpoint_info
    if int8 and 'synthetic' in calib_sources and \
            'generator' not in loaded['modules']:
        raise ValueError(
            f'--calib-source synthetic draws calibration images from the '
            f'run\'s generator, but "{checkpoint}" holds '
            f'{loaded["description"]}, without one: pass the run\'s '
            'checkpoint (iter_N.pth), or --calib-source train / noise')
    student = DeployableModel(model.student, model.adapter).eval()
    teacher = DeployableModel(model.teacher, model.adapter).eval()
    dataloader = Runner.build_dataloader(cfg.val_dataloader, seed=seed)
    shape = tuple(dataloader.dataset[0]['inputs'].shape)
    with folder.writing(dict(config=cfg.filename, checkpoint=checkpoint),
                        names) as tmp:
        student_path = osp.join(tmp, STUDENT_FILE)
        export_onnx(student, (2, *shape), student_path)
        files = {'student': {'ort_fp32': student_path}, 'teacher': {}}
        sessions = {'ort_fp32': ort_session(student_path, threads)}
        calibration = []
        for i, source in enumerate(calib_sources if int8 else []):
            name = 'ort_int8' if i == 0 else f'ort_int8_{source}'
            path = osp.join(tmp, names[1 + i])
            quantize_int8(student_path, path, calibration_batches(
                source, model, cfg, calib_samples, calib_batch_size, shape,
                seed, calib_train_config), method=calib_method)
            files['student'][name] = path
            sessions[name] = ort_session(path, threads)
            calibration.append(dict(model=name, source=source,
                                    method=calib_method,
                                    samples=calib_samples, seed=seed))
        meta = dict(val_dataset_meta(cfg))
        meta.update(getattr(dataloader.dataset, 'metainfo', {}) or {})
        results = evaluate_deployed(student, sessions, dataloader,
                                    cfg.val_evaluator, meta)
        metric = next((m for m in HEADLINE_METRICS
                       if m in results['pytorch']),
                      next(iter(results['pytorch'])))
        if latency_batch_sizes:  # the teacher only to compare with
            teacher_path = osp.join(tmp, '.teacher.onnx')  # not published
            files['teacher']['ort_fp32'] = teacher_path
            export_onnx(teacher, (2, *shape), teacher_path)
        sizes = {f'{name} {kind[4:]}': osp.getsize(path)
                 for name in ('teacher', 'student')
                 for kind, path in files[name].items()}
        timing = _latencies(dict(teacher=teacher, student=student), files,
                            shape, threads, latency_runs, latency_warmup,
                            latency_batch_sizes)
        if 'ort_fp32' in files['teacher']:
            os.remove(files['teacher']['ort_fp32'])
        with torch.no_grad():
            out_shape = list(student(torch.zeros(1, *shape)).shape[1:])
        report = dict(
            config=cfg.filename, checkpoint=checkpoint,
            holds=loaded['description'],
            input=dict(name='image', shape=['N', *shape], dtype='float32',
                       pixels='0..255, channel order as loaded (BGR for '
                       'colour)'),
            output=dict(name='logits', shape=['N', *out_shape]),
            metric=metric, val_samples=len(dataloader.dataset),
            results={('PyTorch student' if k == 'pytorch' else k): v
                     for k, v in results.items()},
            calibration=calibration,
            files={'student': {kind: osp.relpath(p, tmp)
                               for kind, p in files['student'].items()}},
            file_bytes=sizes, threads=threads, latency_runs=latency_runs,
            latency_ms=timing, cpu=cpu_description(),
            torch=torch.__version__)
        import onnxruntime  # require_onnx checked it
        report['onnxruntime'] = onnxruntime.__version__
        atomic_write(json.dumps(report, indent=2, default=float),
                     osp.join(tmp, REPORT_FILE))
    return dict(report, work_dir=work_dir, written=names)


def _latencies(deployables: Dict[str, DeployableModel],
               files: Dict[str, Dict[str, str]], shape: tuple, threads: int,
               runs: int, warmup: int, batch_sizes: Sequence[int]
               ) -> List[dict]:
    """Median latency in milliseconds of each model, in PyTorch and each of
    its ONNX files, at each batch size."""
    torch.set_num_threads(threads)
    rows = []
    for batch_size in batch_sizes:
        images = torch.rand(batch_size, *shape) * 255
        for name, deployable in deployables.items():
            row = dict(model=name, batch_size=batch_size)
            with torch.no_grad():
                row['pytorch'] = median_ms(lambda: deployable(images), runs,
                                           warmup)
            for kind, path in files[name].items():
                session = ort_session(path, threads)
                row[kind] = median_ms(
                    lambda: run_session(session, images.numpy()), runs,
                    warmup)
            rows.append(row)
    return rows


def format_deploy_report(report: dict) -> str:
    """What ``tools/deploy.py`` prints of a :func:`deploy_student` report:
    the metric of each model, their parity, file sizes and latencies."""
    metric = report['metric']
    rule = '=' * 72
    lines = [
        '', rule, f'config     : {report["config"]}',
        f'checkpoint : {report["checkpoint"]} ({report["holds"]})',
        f'input      : {report["input"]["name"]} float32 '
        f'{report["input"]["shape"]}, pixels 0..255 as loaded; output '
        f'{report["output"]["name"]} {report["output"]["shape"]}',
        f'{metric} on the validation split ({report["val_samples"]} '
        'samples):'
    ]
    for name, row in report['results'].items():
        extra = ''
        if 'max_abs_logit_diff' in row:
            extra = (f'  (max |logit - PyTorch| '
                     f'{row["max_abs_logit_diff"]:.2g}, predictions agree '
                     f'{100 * row["prediction_agreement"]:.2f} %)')
        lines.append(f'  {name:<22} {row[metric]:8.2f}{extra}')
    fp32 = report['results'].get('ort_fp32')
    reference = report['results'].get('PyTorch student')
    if fp32 and reference and abs(fp32[metric] - reference[metric]) > 0.1:
        lines.append(
            f'WARNING: the ONNX fp32 student scores {fp32[metric]:.2f} and '
            f'the PyTorch student {reference[metric]:.2f}: the export does '
            'not run the model as its own preprocessing does (a bug worth '
            'reporting with this report)')
    sizes = ', '.join(f'{k} {v / 1e6:.3f} MB'
                      for k, v in report['file_bytes'].items())
    lines.append(f'file sizes : {sizes}')
    if report['latency_ms']:
        cpu = report['cpu']
        lines.append(f'latency (ms, median of {report["latency_runs"]} runs,'
                     f' {report["threads"]} threads; {cpu["model"]}, '
                     f'{", ".join(cpu["features"]) or "no AVX"}):')
        for row in report['latency_ms']:
            cells = ', '.join(f'{k} {v:.2f}' for k, v in row.items()
                              if k not in ('model', 'batch_size'))
            lines.append(f'  {row["model"]:<8} batch {row["batch_size"]:>3}:'
                         f' {cells}')
    lines.append(rule)
    if 'written' in report:
        lines.append(f'wrote {", ".join(report["written"])} to '
                     f'{report["work_dir"]}')
    return '\n'.join(lines)
