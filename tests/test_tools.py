# Copyright (c) mmddad contributors. All rights reserved.
"""The command-line tools end to end, as users run them (subprocesses), and
what they do through their `mmddad.apis` calls; the arguments a tool
refuses itself."""
import glob
import json
import os
import os.path as osp

import pytest
import torch

from .conftest import (EMBEDDED_DDAD, STUDENT_RECIPE, TINY_DDAD, TOOLS,
                       run_tool, tool_config)

# a short supervised run on 256 training digits, evaluated on 100 test ones
TINY_SUPERVISED = [
    'train_dataloader.dataset.indices=256', 'train_dataloader.batch_size=64',
    'val_dataloader.dataset.indices=100', 'test_dataloader.dataset.indices=100',
    'train_cfg.max_epochs=2', 'train_cfg.val_interval=1',
    'param_scheduler.T_max=2', 'default_hooks.logger.interval=1'
]


@pytest.mark.smoke
def test_train_resume_and_test_a_supervised_recipe(tmp_path):
    work = str(tmp_path / 'student_sup')
    cfg_opts = ['--cfg-options', *TINY_SUPERVISED]
    # one epoch of two, as if the job had been stopped
    run_tool(osp.join(TOOLS, 'train.py'), STUDENT_RECIPE, '--work-dir', work,
             *cfg_opts, 'train_cfg.max_epochs=1')
    assert osp.isfile(osp.join(work, 'epoch_1.pth'))
    # resume: MMEngine's own checkpoint on torch >= 2.6, no weights_only=False
    proc = run_tool(
        osp.join(TOOLS, 'train.py'), STUDENT_RECIPE, '--work-dir', work,
        '--resume', *cfg_opts)
    log = proc.stdout + proc.stderr
    assert 'resumed epoch: 1' in log
    assert osp.isfile(osp.join(work, 'epoch_2.pth'))
    # tools/test.py reports the same accuracy as the last validation
    proc = run_tool(
        osp.join(TOOLS, 'test.py'), STUDENT_RECIPE,
        osp.join(work, 'epoch_2.pth'), '--work-dir', work, '--out',
        str(tmp_path / 'metrics.json'), '--out-item', 'metrics', *cfg_opts)
    with open(tmp_path / 'metrics.json') as f:
        test_acc = json.load(f)['accuracy/top1']
    scalars = sorted(glob.glob(osp.join(work, '*', 'vis_data', 'scalars.json')))
    val_accs = [
        json.loads(line)['accuracy/top1'] for line in open(scalars[-1])
        if 'accuracy/top1' in line
    ]
    assert test_acc == pytest.approx(val_accs[-1])


@pytest.mark.smoke
def test_distill_export_and_evaluate_student(tmp_path, teacher_checkpoint):
    work = str(tmp_path / 'ddad')
    run_tool(
        osp.join(TOOLS, 'train.py'), EMBEDDED_DDAD, '--work-dir', work,
        '--cfg-options', f'model.teacher.checkpoint={teacher_checkpoint}',
        'train_cfg.max_iters=3', 'train_cfg.val_interval=3',
        'train_dataloader.batch_size=8', 'val_dataloader.dataset.indices=50',
        'default_hooks.checkpoint.interval=3', 'model.student_steps=2')
    ckpt = osp.join(work, 'iter_3.pth')
    assert osp.isfile(ckpt)
    state = torch.load(ckpt, weights_only=False)['state_dict']
    assert not any(k.startswith('teacher.') for k in state)

    # the balance of the generator's terms at that checkpoint
    proc = run_tool(
        osp.join(TOOLS, 'generator_balance.py'), EMBEDDED_DDAD, '--checkpoint',
        ckpt, '--batches', '1', '--cfg-options',
        f'model.teacher.checkpoint={teacher_checkpoint}',
        'train_dataloader.batch_size=8')
    rows = {
        line.split()[0]: line.split()[1:]
        for line in proc.stdout.splitlines()
        if line.startswith(('loss_bn', 'loss_adv'))
    }
    assert float(rows['loss_bn'][2]) == 1.0  # the reference term
    assert float(rows['loss_adv'][1]) > 0

    out = str(tmp_path / 'student.pth')
    run_tool(osp.join(TOOLS, 'export_student.py'), ckpt, out)

    # MMPretrain's own API loads the exported student with its own config
    # and gives the same predictions as the student inside the checkpoint.
    from mmpretrain.apis import init_model
    student = init_model(STUDENT_RECIPE, out, device='cpu')
    x = torch.randn(2, 1, 32, 32)
    expected = {
        k[len('student.'):]: v
        for k, v in state.items() if k.startswith('student.')
    }
    for k, v in student.state_dict().items():
        assert torch.equal(v, expected[k]), k
    with torch.no_grad():
        assert student(x, mode='tensor').shape == (2, 10)


def test_distill_reports_the_time_to_quality(tmp_path, teacher_checkpoint):
    work = str(tmp_path / 'ddad')
    options = [
        '--quality-ratio', '0', '--cfg-options',
        f'model.teacher.checkpoint={teacher_checkpoint}',
        'train_cfg.val_interval=2', 'default_hooks.checkpoint.interval=2',
        'train_dataloader.batch_size=8', 'val_dataloader.dataset.indices=50',
        'test_dataloader.dataset.indices=50', 'model.student_steps=2',
        'model.generator.base_channels=16'
    ]
    # two of four iterations, as if the job had been stopped; --resume
    # continues it, its validation curve and its training clock
    run_tool(osp.join(TOOLS, 'distill.py'), EMBEDDED_DDAD, '--work-dir', work,
             *options, 'train_cfg.max_iters=2')
    proc = run_tool(
        osp.join(TOOLS, 'distill.py'), EMBEDDED_DDAD, '--work-dir', work,
        '--resume', *options, 'train_cfg.max_iters=4')
    assert 'resumed epoch: 0, iter: 2' in proc.stdout + proc.stderr
    with open(osp.join(work, 'distill_summary.json')) as f:
        summary = json.load(f)
    curve = summary['val_curve']
    # a validation every 2 iterations, with the training seconds before it
    assert [r['iter'] for r in curve] == [2, 4]
    assert 0 < curve[0]['train_seconds'] < curve[1]['train_seconds']
    assert curve[1]['accuracy/top1'] == pytest.approx(summary['student'])
    # any score reaches 0 x teacher: at the first validation
    assert summary['time_to_quality'] == dict(
        ratio=0.0, threshold=0.0, iter=2,
        train_seconds=curve[0]['train_seconds'])
    assert 'reached at iteration 2' in proc.stdout


def test_benchmark_prints_speed_memory_layout_amp_and_replay():
    proc = run_tool(
        osp.join(TOOLS, 'benchmark.py'), EMBEDDED_DDAD, '--random-teacher',
        '--iters', '1', '--warmup', '1', '--amp', '--cfg-options',
        'train_dataloader.batch_size=8', 'model.student_steps=2',
        'model.channels_last=True')
    report = dict(
        line.split(':', 1) for line in proc.stdout.splitlines()
        if ' : ' in line)
    report = {k.strip(): v.strip() for k, v in report.items()}
    assert report['layout'] == 'channels-last'
    # --amp reached the built optimiser: bf16 autocast on a CPU-only machine
    # (the line reads the wrapper the runner built, not the option)
    assert report['device'].startswith('cpu (amp: bfloat16 '
                                       '(CPUAmpOptimWrapper), threads:')
    assert report['batch x steps'].startswith('8 x 3 (2 student')
    assert float(report['iterations/s'].split()[0]) > 0
    assert float(report['peak memory'].split()[0]) > 0
    # the shipped config replays: the buffer's bounded size is printed
    assert report['replay buffer'].startswith(
        '6400 samples (images and logits), torch.float16')


def test_cfg_options_turn_off_a_config_added_default_hook():
    """``default_hooks.ema=None`` removes the embedded config's EMAHook (a
    name MMEngine's runner does not know); the runner's own defaults set to
    None stay None, for the runner to remove."""
    from mmddad.apis.cli import load_tool_config
    cfg = load_tool_config(EMBEDDED_DDAD)
    assert cfg.default_hooks.ema.type == 'DataFreeEMAHook'
    cfg = load_tool_config(EMBEDDED_DDAD, {
        'default_hooks.ema': None,
        'default_hooks.timer': None
    })
    assert 'ema' not in cfg.default_hooks
    assert 'timer' in cfg.default_hooks and cfg.default_hooks.timer is None
    assert cfg.default_hooks.checkpoint.interval == 100


def test_test_tool_dumps_and_paints_predictions(tmp_path, ddad_run,
                                                teacher_checkpoint):
    """As MMPretrain's test tool: ``--out`` holds the predictions (one per
    test image), ``--show-dir`` one painted picture per ``--show-interval``
    images, the class names under the image."""
    import pickle

    import mmcv
    out = str(tmp_path / 'predictions.pkl')
    run_tool(
        osp.join(TOOLS, 'test.py'), EMBEDDED_DDAD,
        osp.join(ddad_run, 'iter_2.pth'), '--work-dir', str(tmp_path),
        '--out', out, '--show-dir', str(tmp_path / 'painted'),
        '--show-interval', '5', '--cfg-options',
        f'model.teacher.checkpoint={teacher_checkpoint}', *TINY_DDAD)
    with open(out, 'rb') as f:
        predictions = pickle.load(f)
    assert len(predictions) == 50
    assert {'pred_label', 'pred_score', 'gt_label'} <= set(predictions[0])
    assert predictions[0]['pred_score'].shape == (10, )
    painted = sorted(os.listdir(tmp_path / 'painted'))
    assert len(painted) == 10
    picture = mmcv.imread(str(tmp_path / 'painted' / painted[0]))
    # the 32x32 digit enlarged to 128x128, two caption lines under it
    assert picture.shape == (128 + 2 * 14, 128, 3)
    # --show-teacher: the teacher's class on a third line (the tool's call)
    from mmddad.apis import evaluate_checkpoint
    cfg = tool_config(EMBEDDED_DDAD,
                      f'model.teacher.checkpoint={teacher_checkpoint}',
                      *TINY_DDAD)
    cfg.work_dir = str(tmp_path)
    evaluate_checkpoint(cfg.copy(), osp.join(ddad_run, 'iter_2.pth'),
                        show_dir=str(tmp_path / 'both'), show_interval=25,
                        show_teacher=True)
    painted = sorted(os.listdir(tmp_path / 'both'))
    picture = mmcv.imread(str(tmp_path / 'both' / painted[0]))
    assert len(painted) == 2 and picture.shape == (128 + 3 * 14, 128, 3)
    # a metrics file needs --out-item metrics; predictions are .pkl
    with pytest.raises(ValueError,
                       match='the predictions are written as .pkl'):
        evaluate_checkpoint(cfg.copy(), osp.join(ddad_run, 'iter_2.pth'),
                            out=str(tmp_path / 'p.json'))


@pytest.mark.parametrize('iters', ['-3', '0'])
def test_benchmark_refuses_a_non_positive_iteration_count(iters):
    proc = run_tool(osp.join(TOOLS, 'benchmark.py'), EMBEDDED_DDAD,
                    '--iters', iters, check=False)
    assert proc.returncode == 2
    assert f'argument --iters: must be >= 1, got {iters}' in proc.stderr
    assert 'iterations/s' not in proc.stdout


@pytest.mark.parametrize('device', ['gpu', 'cuda'])
def test_a_device_the_machine_lacks_names_the_option(device, ddad_run):
    if device == 'cuda' and torch.cuda.is_available():
        pytest.skip('this machine has a GPU')
    proc = run_tool(osp.join(TOOLS, 'synthesize.py'), EMBEDDED_DDAD,
                    osp.join(ddad_run, 'iter_2.pth'), '--num', '1', '--out',
                    'unused', '--device', device, check=False)
    assert proc.returncode == 2 and 'Traceback' not in proc.stderr
    assert 'argument --device' in proc.stderr and device in proc.stderr
