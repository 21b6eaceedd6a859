# Copyright (c) mmddad contributors. All rights reserved.
"""A checkpoint scored on its config's test split (``tools/test.py``), as
MMPretrain's and MMSeg's test tools do: predictions or metrics dumped,
predictions painted; the checkpoint checked against the model first."""
import os.path as osp
from typing import Dict, Optional

from mmengine.config import Config
from mmengine.fileio import dump
from mmengine.runner import Runner

from mmddad.models.wrappers import unwrap_model
from mmddad.utils import (atomic_write, check_folder_path, check_new_file,
                          check_not_input, check_weights_fit,
                          init_cpu_process_group, install_safe_loader,
                          keep_config_copy, load_checkpoint_file,
                          shutdown_process_group)

#: The file types ``out`` is written as: predictions, or metrics.
OUT_FORMATS = dict(pred=('.pkl', ), metrics=('.json', '.yaml', '.yml', '.pkl',
                                              '.pickle'))


def evaluate_checkpoint(cfg: Config,
                        checkpoint: str,
                        out: Optional[str] = None,
                        out_item: str = 'pred',
                        force: bool = False,
                        show_dir: Optional[str] = None,
                        show_interval: int = 1,
                        show_teacher: bool = False,
                        partial_load: bool = False,
                        launcher: str = 'none') -> Dict[str, float]:
    """Test a checkpoint on the config's test split with MMEngine's runner.

    The checkpoint must fit the config's model (a file of another model is
    refused before anything runs, instead of testing randomly initialised
    weights); a test takes no work-dir lock (a checkpoint may be tested
    while its run trains on), and a config file inside its own work dir is
    left byte-identical.

    Args:
        cfg (Config): The config, ``work_dir`` set (changed in place).
        checkpoint (str): The checkpoint to test.
        out (str, optional): Dump the predictions (``out_item='pred'``:
            ``.pkl``, MMEngine's ``DumpResults``) or the metrics
            (``'metrics'``: ``.json``/``.yaml``/``.pkl``) to this file; an
            existing one is replaced only with ``force``.
        out_item (str): What ``out`` holds: ``'pred'`` or ``'metrics'``.
        force (bool): Replace an existing ``out``.
        show_dir (str, optional): Paint the predictions of the test images
            into this folder (a relative path goes under
            ``WORK_DIR/TIMESTAMP/``).
        show_interval (int): Paint every N-th test image.
        show_teacher (bool): With ``show_dir`` and a distillation config,
            the teacher's prediction beside the student's.
        partial_load (bool): Test even if the checkpoint lacks some of the
            model's keys or has others.
        launcher (str): ``'none'``, ``'pytorch'``, ``'slurm'`` or ``'mpi'``.

    Returns:
        dict[str, float]: The test metrics.
    """
    install_safe_loader()
    formats = OUT_FORMATS[out_item]
    if out and osp.splitext(out)[1] not in formats:
        what = 'predictions' if out_item == 'pred' else 'metrics'
        raise ValueError(f'--out "{out}": the {what} are written as '
                         f'{", ".join(formats)}; name the file so')
    if show_teacher and not show_dir:
        raise ValueError('--show-teacher paints into --show-dir: give both')
    if out:
        check_not_input(out, '--out', {'the config': cfg.filename,
                                       'the checkpoint': checkpoint})
        check_new_file(out, '--out', force)
    cfg.launcher = launcher
    cfg.load_from = checkpoint
    cfg.resume = False  # the weights only, whatever a training run set
    if out and out_item == 'pred':
        evaluators = cfg.test_evaluator
        if not isinstance(evaluators, (list, tuple)):
            evaluators = [evaluators]
        cfg.test_evaluator = [*evaluators, dict(
            type='DumpResults', out_file_path=osp.abspath(out))]
    if show_dir:
        # before anything runs (painting would fail after the first batch);
        # a relative path goes under WORK_DIR/TIMESTAMP/, a new folder
        check_folder_path(
            show_dir if osp.isabs(show_dir) else osp.normpath(
                osp.join(cfg.work_dir, 'TIMESTAMP', show_dir)), '--show-dir')
        cfg.custom_hooks = [*cfg.get('custom_hooks', []), dict(
            type='PredictionPaintingHook', out_dir=show_dir,
            interval=show_interval, with_teacher=show_teacher)]
    init_cpu_process_group(launcher,
                           cfg.get('env_cfg', {}).get('dist_cfg', {}))
    with keep_config_copy(cfg):
        runner = Runner.from_cfg(cfg)
        check_weights_fit(
            unwrap_model(runner.model), load_checkpoint_file(checkpoint),
            f'checkpoint "{checkpoint}"', f'the model of {cfg.filename}',
            strict=not partial_load, opt_out='--partial-load')
    metrics = runner.test()
    shutdown_process_group()
    if out and out_item == 'metrics':
        atomic_write(dump(metrics, file_format=osp.splitext(out)[1][1:]),
                     out)
    return metrics
