# Copyright (c) mmddad contributors. All rights reserved.
"""Bad input is never silent and never destructive, continued: outputs that
are inputs, deployments over deployments, a collapse without validation,
config values that name their key, hints that work, and no litter."""
import glob
import importlib.util
import json
import logging
import os
import os.path as osp
import shutil
from types import SimpleNamespace

import pytest
import torch
import torch.nn as nn

from .conftest import CONFIGS, EMBEDDED_DDAD, TEACHER_RECIPE, TOOLS, run_tool
from .test_bad_input import copy_run, ddad_options, error_line

FAST_DDAD = osp.join(CONFIGS, 'fast_meta',
                     'fast-ddad_resnet18-w16_resnet18-w8_mnist5k.py')


# ------------------------------------------------ 1. output is an input
def test_export_never_writes_over_its_own_checkpoint(tmp_path, ddad_run):
    work = copy_run(ddad_run, tmp_path)
    ckpt = osp.join(work, 'iter_2.pth')
    with open(ckpt, 'rb') as f:
        before = f.read()
    export = osp.join(TOOLS, 'export_student.py')
    # the same path, and the same file by another path (a symlink)
    link = str(tmp_path / 'alias.pth')
    os.symlink(ckpt, link)
    for out in (ckpt, link):
        line = error_line(run_tool(export, ckpt, out, '--force',
                                   check=False))
        assert 'is the checkpoint' in line and 'iter_2.pth' in line
    with open(ckpt, 'rb') as f:
        assert f.read() == before


# ------------------------------ 2. deploy over another run's deployment
def test_deploy_replaces_another_deployment_only_with_force(
        tmp_path, ddad_run, teacher_checkpoint):
    pytest.importorskip('onnxruntime')
    ckpt = osp.join(ddad_run, 'iter_2.pth')
    quick = ['--latency-batch-sizes', *ddad_options(
        teacher_checkpoint, 'val_dataloader.dataset.indices=8')]

    def deploy(work, *args):
        return run_tool(osp.join(TOOLS, 'deploy.py'), EMBEDDED_DDAD, *args,
                        '--work-dir', str(work), *quick, check=False)

    # a refused run leaves no folder behind
    fresh = tmp_path / 'a' / 'fresh'
    line = error_line(deploy(fresh, str(tmp_path / 'missing.pth')))
    assert 'missing.pth' in line
    assert not osp.exists(tmp_path / 'a')
    # another run's deployment (an INT8 model of its own, in its index),
    # the user's files (one named as this tool names its INT8 models) and
    # what a killed run left
    work = tmp_path / 'deploy'
    work.mkdir()
    old = {'student.onnx': b'old fp32', 'student_int8.onnx': b'old int8',
           'deploy_report.json': b'{}'}
    for name, data in old.items():
        (work / name).write_bytes(data)
    (work / 'deploy_index.json').write_text(json.dumps(
        dict(files=[*old, 'deploy_index.json'])))
    (work / 'notes.txt').write_text('the user\'s')
    (work / 'student_int8_backup.onnx').write_bytes(b'the user\'s int8')
    stale = work / '.deploy.999999999.abc.tmp'
    stale.mkdir()
    (stale / 'student.onnx').write_bytes(b'half')
    line = error_line(deploy(work, ckpt))
    assert 'holds another deployment' in line and '--force' in line
    assert 'student_int8.onnx' in line and 'backup' not in line
    assert {n: (work / n).read_bytes() for n in old} == old
    # --force replaces the whole set and keeps everything else
    proc = deploy(work, ckpt, '--force')
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert sorted(os.listdir(work)) == [
        'deploy_index.json', 'deploy_report.json', 'notes.txt',
        'student.onnx', 'student_int8_backup.onnx'
    ]
    assert (work / 'notes.txt').read_text() == 'the user\'s'
    assert (work / 'student_int8_backup.onnx').read_bytes() == \
        b'the user\'s int8'
    from mmddad.utils import read_json
    index = read_json(str(work / 'deploy_index.json'))
    assert index['files'] == ['student.onnx', 'deploy_report.json',
                              'deploy_index.json']
    report = read_json(str(work / 'deploy_report.json'))
    assert report['files'] == {'student': {'ort_fp32': 'student.onnx'}}


def _deploy_tool():
    """``tools/deploy.py`` as a module, to call its checks directly."""
    spec = importlib.util.spec_from_file_location(
        'deploy_tool', osp.join(TOOLS, 'deploy.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_deploy_force_replaces_only_what_an_index_lists(tmp_path):
    deploy = _deploy_tool()
    names = ['student.onnx', 'deploy_report.json', 'deploy_index.json']
    work = tmp_path / 'deploy'
    work.mkdir()
    for name in ('student.onnx', 'student_int8.onnx', 'deploy_report.json',
                 'student_int8_backup.onnx', 'notes.txt'):
        (work / name).write_bytes(b'x')
    # no index: not a deployment, and files this run would write are the
    # user's: refused even with --force, named
    with pytest.raises(FileExistsError) as err:
        deploy.check_work_dir(str(work), True, names, {})
    assert 'student.onnx, deploy_report.json' in str(err.value)
    assert 'no deploy_index.json lists' in str(err.value)
    # an index: exactly what it lists goes, whatever else is named alike
    (work / 'deploy_index.json').write_text(json.dumps(dict(files=[
        'student.onnx', 'student_int8.onnx', 'deploy_report.json',
        'deploy_index.json'])))
    old = deploy.check_work_dir(str(work), True, names, {})
    assert old == ['deploy_index.json', 'deploy_report.json', 'student.onnx',
                   'student_int8.onnx']
    tmp = tmp_path / 'tmp'
    tmp.mkdir()
    for name in names:
        (tmp / name).write_text(json.dumps(dict(files=names)))
    deploy.publish(str(tmp), str(work), names, old)
    assert sorted(os.listdir(work)) == [
        'deploy_index.json', 'deploy_report.json', 'notes.txt',
        'student.onnx', 'student_int8_backup.onnx'
    ]


def test_deploy_index_reaching_outside_its_folder_is_refused(tmp_path):
    deploy = _deploy_tool()
    outside = tmp_path / 'outside'
    outside.mkdir()
    (outside / 'model.onnx').write_bytes(b'precious')
    work = tmp_path / 'deploy'
    work.mkdir()
    os.symlink(outside, work / 'sub')
    for entry in ('sub/model.onnx', '../outside/model.onnx',
                  str(outside / 'model.onnx')):
        (work / 'deploy_index.json').write_text(
            json.dumps(dict(files=[entry])))
        with pytest.raises(ValueError) as err:
            deploy.check_work_dir(str(work), True, ['student.onnx'], {})
        assert 'deploy_index.json' in str(err.value)
        assert entry in str(err.value)
    assert (outside / 'model.onnx').read_bytes() == b'precious'


def test_indexed_paths_stay_inside_the_real_folder(tmp_path):
    from mmddad.utils import indexed_paths
    outside = tmp_path / 'outside'
    outside.mkdir()
    (outside / 'secret.txt').write_text('keep')
    out = tmp_path / 'out'
    (out / 'images').mkdir(parents=True)
    (out / 'images' / 'a.png').write_text('own')
    (out / 'meta').mkdir()
    os.symlink(outside, out / 'linked')  # a folder that leads outside
    os.symlink(outside / 'secret.txt', out / 'leak.png')
    os.symlink(out / 'images' / 'a.png', out / 'alias.png')  # inside
    index = str(out / 'index.json')
    for entry in ('linked/secret.txt', 'linked', 'leak.png',
                  '../outside/secret.txt', 'images/../../outside/secret.txt',
                  str(outside / 'secret.txt'), '.', 'images/..', '', 3):
        with pytest.raises(ValueError) as err:
            indexed_paths(str(out), [entry], index)
        assert index in str(err.value) and str(entry) in str(err.value)
    # inside: files and links (a link as itself), not folders or the missing
    assert indexed_paths(
        str(out), ['images/a.png', './images/a.png', 'alias.png', 'meta',
                   'images/gone.png'], index) == [
        osp.join('images', 'a.png'), 'alias.png'
    ]
    # the folder itself through a symlink: the same answers
    os.symlink(out, tmp_path / 'out_link')
    assert indexed_paths(str(tmp_path / 'out_link'), ['alias.png'],
                         index) == ['alias.png']
    with pytest.raises(ValueError, match='linked/secret.txt'):
        indexed_paths(str(tmp_path / 'out_link'), ['linked/secret.txt'],
                      index)
    assert (outside / 'secret.txt').read_text() == 'keep'


def test_synthesize_force_never_follows_a_symlink_out_of_its_folder(
        tmp_path, ddad_run, teacher_checkpoint):
    ckpt = osp.join(ddad_run, 'iter_2.pth')
    outside = tmp_path / 'photos'
    outside.mkdir()
    (outside / '000000.png').write_bytes(b'a photo')
    out = tmp_path / 'data'
    out.mkdir()
    (out / 'keep.txt').write_text('a user file')
    os.symlink(outside, out / 'images')
    # a planted index that lists a file behind the symlinked folder
    (out / 'synthesize_index.json').write_text(json.dumps(dict(
        files=['images/000000.png', 'synthesize_index.json'])))

    def synthesize():
        return run_tool(
            osp.join(TOOLS, 'synthesize.py'), EMBEDDED_DDAD, ckpt, '--out',
            str(out), '--num', '1', '--force', '--force',
            *ddad_options(teacher_checkpoint), check=False)

    line = error_line(synthesize())
    assert 'synthesize_index.json' in line and 'images/000000.png' in line
    assert os.listdir(outside) == ['000000.png']
    assert (outside / '000000.png').read_bytes() == b'a photo'
    # no index: the user's symlinked folder is not written through either
    os.remove(out / 'synthesize_index.json')
    (outside / '000000.png').unlink()
    line = error_line(synthesize())
    assert 'images' in line and 'nothing was changed' in line
    assert os.listdir(outside) == []
    assert sorted(os.listdir(out)) == ['images', 'keep.txt']


# -------------------------------------- 3. collapse without validation
def test_collapse_guard_stops_a_frozen_generator_without_validation(
        tmp_path, teacher_checkpoint):
    work = tmp_path / 'collapse'
    proc = run_tool(
        osp.join(TOOLS, 'train.py'), EMBEDDED_DDAD, '--work-dir', str(work),
        '--no-validate',
        *ddad_options(teacher_checkpoint,
                      'optim_wrapper.generator.optimizer.lr=1e9',
                      'model.replay=None', 'train_cfg.max_iters=10',
                      'default_hooks.checkpoint.interval=1'), check=False)
    line = error_line(proc)
    assert 'CollapseGuardHook: validation is off' in proc.stdout + proc.stderr
    assert 'the generator term loss_' in line and 'has stayed at' in line
    assert 'validation is off' in line
    assert not osp.isfile(work / 'iter_10.pth')  # stopped before the end
    # the generator froze in its first steps: every checkpoint kept holds
    # it, and last_checkpoint names none of them
    assert 'checks in a row (iterations ' in line
    assert '`last_checkpoint` was removed' in line
    assert osp.isfile(work / 'iter_3.pth')  # kept for inspection
    assert not (work / 'last_checkpoint').exists()
    assert not glob.glob(str(work / '.above_chance_iter_*'))


class _Runner(SimpleNamespace):
    """What the guard reads of a runner."""


def _guard_runner(tmp_path, name: str, model: nn.Module) -> _Runner:
    from mmengine.logging import MessageHub
    return _Runner(
        work_dir=str(tmp_path), epoch=0, iter=0, model=model, hooks=[],
        val_loop=None, logger=logging.getLogger(name),
        message_hub=MessageHub.get_instance(name),
        val_evaluator=SimpleNamespace(
            dataset_meta=dict(classes=[str(i) for i in range(10)])))


def test_collapse_guard_checks_between_validations_and_repoints_resume(
        tmp_path):
    from mmddad.engine.hooks import CollapseGuardHook, TrainingCollapseError
    guard = CollapseGuardHook(interval=10)
    model = nn.Linear(1, 1)
    model.generator_steps, model.generator_losses = 1, dict(loss_bn=None)
    runner = _guard_runner(tmp_path, 'collapse_guard_between_test', model)
    guard.before_train(runner)  # validation off

    def train(iteration: int, loss_bn: float) -> None:
        runner.iter = iteration - 1  # as MMEngine counts in after_train_iter
        runner.message_hub.update_scalar('train/loss_bn', loss_bn)
        guard.after_train_iter(runner, iteration - 1)
        ckpt = tmp_path / f'iter_{iteration}.pth'  # then the checkpoint
        ckpt.write_bytes(f'weights of {iteration}'.encode())
        (tmp_path / 'last_checkpoint').write_text(str(ckpt))

    for iteration in range(1, 50):  # a healthy generator
        train(iteration, 100.0 - iteration)
    with pytest.raises(TrainingCollapseError) as info:
        for iteration in range(50, 100):  # frozen from iteration 50 on
            train(iteration, 801.0)
    message = str(info.value)
    assert iteration == 70  # three checks: 50, 60, 70
    assert 'loss_bn has stayed at 801 for 3 checks in a row (iterations 50 ' \
        'to 70)' in message and 'validation is off' in message
    # the generator saved at 49 made the first frozen value: 48 is the last
    # checkpoint known from before
    last = (tmp_path / 'last_checkpoint').read_text()
    assert last == str(tmp_path / 'iter_48.pth')
    assert 'iter_48.pth" (iteration 48)' in message
    assert osp.isfile(tmp_path / 'iter_69.pth')  # kept for inspection


def test_collapse_guard_removes_its_hidden_links_when_the_run_ends(
        tmp_path):
    from mmddad.engine.hooks import CollapseGuardHook
    guard = CollapseGuardHook()
    runner = _guard_runner(tmp_path, 'collapse_guard_links_test',
                           nn.Linear(1, 1))
    stale = tmp_path / '.above_chance_iter_7.pth'  # a killed run's
    stale.write_bytes(b'old')
    guard.before_train(runner)
    assert not stale.exists()
    for iteration in (100, 200, 300, 400):
        runner.iter = iteration
        ckpt = tmp_path / f'iter_{iteration}.pth'
        ckpt.write_bytes(f'weights of {iteration}'.encode())
        (tmp_path / 'last_checkpoint').write_text(str(ckpt))
        guard.after_val_epoch(runner, {'accuracy/top1': 90.0})
        links = glob.glob(str(tmp_path / '.above_chance_iter_*'))
        assert len(links) <= 2  # this checkpoint and the one before
    guard.after_run(runner)
    assert not glob.glob(str(tmp_path / '.above_chance_iter_*'))


def test_collapse_guard_points_resume_at_the_last_good_checkpoint(tmp_path):
    from mmddad.engine.hooks import CollapseGuardHook, TrainingCollapseError
    guard = CollapseGuardHook()
    runner = _guard_runner(tmp_path, 'collapse_guard_chance_test',
                           nn.Linear(1, 1))
    with pytest.raises(TrainingCollapseError) as info:
        for iteration, score in ((100, 90.0), (200, 10.1), (300, 10.0)):
            runner.iter = iteration
            ckpt = tmp_path / f'iter_{iteration}.pth'
            ckpt.write_bytes(f'weights of {iteration}'.encode())
            (tmp_path / 'last_checkpoint').write_text(str(ckpt))
            guard.after_val_epoch(runner, {'accuracy/top1': score})
    good = tmp_path / 'last_above_chance.pth'
    assert good.read_bytes() == b'weights of 100'
    # iter_200.pth was validated at chance: not offered to --resume
    assert (tmp_path / 'last_checkpoint').read_text() == str(good)
    assert 'last_checkpoint` now names' in str(info.value)


# ------------------------------------- 4. config values name their key
@pytest.mark.parametrize('key, value, expected', [
    ('student_steps', 'five', 'an integer >= 1'),
    ('student_steps', 2.5, 'an integer >= 1'),
    ('generator_steps', -1, 'an integer >= 0'),
])
def test_schedule_values_are_checked_for_type_and_range(key, value,
                                                        expected):
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmddad.registry import MODELS
    init_default_scope('mmddad')
    cfg = Config.fromfile(EMBEDDED_DDAD)
    cfg.model[key] = value
    with pytest.raises((TypeError, ValueError)) as info:
        MODELS.build(cfg.model)
    assert str(info.value) == f'`model.{key}` must be {expected}, got ' \
        f'{value!r}'


@pytest.mark.parametrize('value', ['two', 2.5, 0])
def test_synthesis_steps_are_checked_before_anything_is_built(value):
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmddad.registry import MODELS
    init_default_scope('mmddad')
    cfg = Config.fromfile(FAST_DDAD)
    cfg.model.teacher.checkpoint = 'never/read.pth'  # checked later
    cfg.model.synthesis_steps = value
    with pytest.raises((TypeError, ValueError),
                       match=f'`model.synthesis_steps` must be an integer '
                       f'>= 1, got {value!r}'):
        MODELS.build(cfg.model)


def test_augment_padding_of_the_wrong_type_is_named():
    from mmddad.models.augmentations import SyntheticAugmentation
    with pytest.raises(TypeError, match='`model.augment.padding` must be an '
                       "integer >= 0, got 'four'"):
        SyntheticAugmentation(padding='four')
    with pytest.raises(ValueError, match='`model.augment.flip_prob` must be '
                       'a number >= 0 and <= 1, got 2'):
        SyntheticAugmentation(flip_prob=2)


def test_a_string_step_count_is_one_line_naming_the_key(tmp_path):
    line = error_line(run_tool(
        osp.join(TOOLS, 'train.py'), EMBEDDED_DDAD, '--work-dir',
        str(tmp_path / 'w'), '--cfg-options', 'model.student_steps=five',
        check=False))
    assert "`model.student_steps` must be an integer >= 1, got 'five'" in line


def test_a_corrupt_results_file_and_an_unknown_row_are_named(tmp_path):
    table = osp.join(TOOLS, 'results_table.py')
    root = tmp_path / 'results'
    # a row filter that matches nothing: an error, nothing written
    line = error_line(run_tool(table, '--work-root', str(root), '--only',
                               'nosuchconfig', '--report-only', check=False))
    assert '--only nosuchconfig' in line and 'ddad_resnet18' in line
    assert not root.exists()
    # no results yet: the table does not claim a file it never wrote
    proc = run_tool(table, '--work-root', str(root), '--report-only')
    assert 'results kept in' not in proc.stdout
    assert 'no results recorded yet' in proc.stdout
    root.mkdir()
    (root / 'results.json').write_text('{\n')
    line = error_line(run_tool(table, '--work-root', str(root),
                               '--report-only', check=False))
    assert 'results.json" is not valid JSON' in line


@pytest.mark.parametrize('device', ['gpu', 'cuda'])
def test_a_device_the_machine_lacks_names_the_option(device, ddad_run):
    if device == 'cuda' and torch.cuda.is_available():
        pytest.skip('this machine has a GPU')
    proc = run_tool(osp.join(TOOLS, 'synthesize.py'), EMBEDDED_DDAD,
                    osp.join(ddad_run, 'iter_2.pth'), '--num', '1', '--out',
                    'unused', '--device', device, check=False)
    assert proc.returncode == 2 and 'Traceback' not in proc.stderr
    assert 'argument --device' in proc.stderr and device in proc.stderr


# ------------------------------------------------ 5. hints that work
def test_the_missing_teacher_hint_names_what_its_recipe_writes(tmp_path):
    from mmddad.models import build_network
    from mmddad.utils import last_checkpoint_of, load_config
    custom = str(tmp_path / 'teachers' / 'mine.pth')
    with pytest.raises(FileNotFoundError) as info:
        build_network(dict(cfg_path=TEACHER_RECIPE, checkpoint=custom),
                      'model.teacher')
    message = str(info.value)
    # training the recipe writes epoch_12.pth into --work-dir, not mine.pth
    written = osp.join(str(tmp_path / 'teachers'),
                       last_checkpoint_of(load_config(TEACHER_RECIPE)))
    assert f'--work-dir {tmp_path / "teachers"}`' in message
    assert f'point the key at "{written}"' in message
    assert 'distill.py' not in message  # --train-teacher would refuse it


def test_distill_offers_train_teacher_only_where_it_works(tmp_path,
                                                          monkeypatch):
    from mmengine.config import Config

    from mmddad.apis import distillation as distill

    def config(checkpoint: str) -> Config:
        cfg = Config.fromfile(EMBEDDED_DDAD)
        cfg.model.teacher.checkpoint = checkpoint
        return cfg

    other = str(tmp_path / 'teacher' / 'mine.pth')
    with pytest.raises(FileNotFoundError) as info:
        distill.ensure_teacher(config(other), train=False)
    assert '--train-teacher' not in str(info.value)
    assert 'epoch_12.pth' in str(info.value)
    default = str(tmp_path / 'teacher' / 'epoch_12.pth')
    with pytest.raises(FileNotFoundError) as info:
        distill.ensure_teacher(config(default), train=False)
    assert 'pass --train-teacher to this tool' in str(info.value)

    # what the hint offers passes every check and trains the recipe
    class FakeRunner:

        @classmethod
        def from_cfg(cls, cfg):
            runner = cls()
            runner.cfg = cfg
            return runner

        def train(self):
            os.makedirs(self.cfg.work_dir, exist_ok=True)
            open(osp.join(self.cfg.work_dir, 'epoch_12.pth'), 'w').close()

    monkeypatch.setattr(distill, 'Runner', FakeRunner)
    assert distill.ensure_teacher(config(default), train=True) is not None
    assert osp.isfile(default)


def test_a_syntax_error_in_a_base_config_names_that_file(tmp_path):
    from mmddad.utils import load_config
    (tmp_path / 'base.py').write_text('model = dict(\n    a=1,,\n)\n')
    child = tmp_path / 'child.py'
    child.write_text("_base_ = ['./base.py']\nb = 2\n")
    with pytest.raises(SyntaxError) as info:
        load_config(str(child))
    assert f'config "{tmp_path / "base.py"}", line 2' in str(info.value)


def test_show_dir_naming_a_file_is_refused_before_testing(
        tmp_path, ddad_run):
    notes = tmp_path / 'notes.txt'
    notes.write_text('not a folder')
    work = tmp_path / 'w'
    line = error_line(run_tool(
        osp.join(TOOLS, 'test.py'), EMBEDDED_DDAD,
        osp.join(ddad_run, 'iter_2.pth'), '--work-dir', str(work),
        '--show-dir', str(notes), check=False))
    assert '--show-dir' in line and 'notes.txt' in line
    assert 'not a folder' in line
    assert not work.exists()


# ------------------------------------------------------------ 6. litter
def test_benchmark_leaves_no_temporary_folder(tmp_path):
    tmp = tmp_path / 'tmp'
    tmp.mkdir()
    proc = run_tool(
        osp.join(TOOLS, 'benchmark.py'), EMBEDDED_DDAD, '--iters', '1',
        '--warmup', '0', '--random-teacher', '--cfg-options',
        'train_dataloader.batch_size=4', 'model.student_steps=1',
        'model.generator.base_channels=16', check=False,
        env=dict(TMPDIR=str(tmp)))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'iterations/s' in proc.stdout
    assert not [p for p in os.listdir(tmp) if p.startswith('mmddad_')]


def test_temp_folders_of_killed_runs_go_and_live_ones_stay(tmp_path):
    from mmddad.utils import private_temp_folder, remove_stale_temp_folders
    live = private_temp_folder(str(tmp_path), 'deploy')
    dead = tmp_path / '.deploy.999999999.x1y2.tmp'
    dead.mkdir()
    other = tmp_path / '.data.999999999.x1y2.tmp'  # another tool's
    other.mkdir()
    assert remove_stale_temp_folders(str(tmp_path), 'deploy') == [str(dead)]
    assert osp.isdir(live) and other.exists()
    shutil.rmtree(live)
