# Copyright (c) mmddad contributors. All rights reserved.
"""A tool never replaces a file that exists unless ``--force`` says so, and
never one it did not write: its output folder publishes by one set of rules
(an index of its own files, nothing followed outside the folder, an input
never an output), a refused run changes nothing, and no temporary folder
is left behind. Through the tools' API calls; the tools themselves run in
``tests/test_tools.py``, ``tests/test_deploy.py`` and
``tests/test_visualization.py``."""
import json
import os
import os.path as osp
import shutil

import pytest

from tests.conftest import EMBEDDED_DDAD, copy_run, ddad_options, tool_config


def test_check_new_file(tmp_path):
    from mmddad.utils import check_new_file
    path = tmp_path / 'out.pkl'
    check_new_file(str(path), '--out', force=False)  # new: fine
    path.write_text('kept')
    with pytest.raises(FileExistsError, match='--out ".*out.pkl" exists; '
                       'pass --force'):
        check_new_file(str(path), '--out', force=False)
    check_new_file(str(path), '--out', force=True)
    with pytest.raises(IsADirectoryError, match='is a folder'):
        check_new_file(str(tmp_path), '--out', force=True)


def test_tools_keep_an_existing_output(tmp_path, ddad_run):
    """``test.py --out``, ``draw_synthetic.py --out`` and ``plot_curves.py``
    (through their API calls): an existing file is the user's."""
    from mmddad.apis import draw_synthetic, evaluate_checkpoint, plot_curves
    cfg = tool_config(EMBEDDED_DDAD)
    cfg.work_dir = str(tmp_path / 'w')
    ckpt = osp.join(ddad_run, 'iter_2.pth')
    for name, call in [
            ('x.pkl', lambda out: evaluate_checkpoint(cfg, ckpt, out=out)),
            ('x.png', lambda out: draw_synthetic(cfg, ckpt, out=out)),
            ('curves.png', lambda out: plot_curves(ddad_run, out=out))]:
        out = tmp_path / name
        out.write_text('the user\'s file')
        with pytest.raises(FileExistsError,
                           match='exists; pass --force to replace it'):
            call(str(out))
        assert out.read_text() == 'the user\'s file'
    plot_curves(ddad_run, out=str(tmp_path / 'curves.png'), force=True)
    assert (tmp_path / 'curves.png').read_bytes()[:4] == b'\x89PNG'


def test_export_never_writes_over_its_own_checkpoint(tmp_path, ddad_run):
    work = copy_run(ddad_run, tmp_path)
    ckpt = osp.join(work, 'iter_2.pth')
    with open(ckpt, 'rb') as f:
        before = f.read()
    from mmddad.apis import export_student  # tools/export_student.py's call
    # the same path, and the same file by another path (a symlink)
    link = str(tmp_path / 'alias.pth')
    os.symlink(ckpt, link)
    for out in (ckpt, link):
        with pytest.raises(ValueError) as info:
            export_student(ckpt, out=out, force=True)
        assert 'is the checkpoint' in str(info.value)
        assert 'iter_2.pth' in str(info.value)
    with open(ckpt, 'rb') as f:
        assert f.read() == before


def test_an_indexed_output_folder_publishes_by_one_set_of_rules(
        tmp_path, monkeypatch):
    """The folder of ``synthesize.py`` and ``deploy.py``: a failed run
    leaves no folder it made, files are published from a hidden folder, a
    run killed while publishing leaves an index of both runs' files for the
    next ``--force``, killed runs' hidden folders go, inputs are never
    outputs."""
    from mmddad.utils import IndexedOutputFolder
    out = tmp_path / 'a' / 'out'
    config = tmp_path / 'config.py'
    config.write_text('')

    def folder(force=0):
        return IndexedOutputFolder(str(out), '--out', 'index.json', 'tool',
                                   force, inputs={'the config': str(config)})

    def index():
        return json.loads((out / 'index.json').read_text())

    with pytest.raises(RuntimeError, match='boom'):
        with folder().writing():
            raise RuntimeError('boom')
    assert not (tmp_path / 'a').exists()
    with folder().writing(dict(seed=1), names=['y.txt']) as tmp:
        os.makedirs(osp.join(tmp, 'sub'))
        for name in ('sub/x.txt', 'y.txt'):
            open(osp.join(tmp, name), 'w').close()
    assert index() == dict(seed=1, files=['y.txt', 'sub/x.txt', 'index.json'])
    assert sorted(os.listdir(out)) == ['index.json', 'sub', 'y.txt']
    with pytest.raises(FileExistsError, match='pass --force'):
        folder().check()
    # killed while moving its files into place
    replace = os.replace

    def killed(src, dst):
        if dst.endswith('z.txt'):
            raise KeyboardInterrupt
        replace(src, dst)

    monkeypatch.setattr(os, 'replace', killed)
    with pytest.raises(KeyboardInterrupt):
        with folder(force=1).writing() as tmp:
            open(osp.join(tmp, 'z.txt'), 'w').close()
    monkeypatch.undo()
    assert index()['files'] == ['index.json', 'sub/x.txt', 'y.txt', 'z.txt']
    stale = out / '.tool.999999999.abc.tmp'  # a killed run's hidden folder
    stale.mkdir()
    with folder(force=1).writing() as tmp:
        open(osp.join(tmp, 'w.txt'), 'w').close()
    assert sorted(os.listdir(out)) == ['index.json', 'sub', 'w.txt']
    assert index()['files'] == ['w.txt', 'index.json']
    # an output that is one of the inputs: refused, with --force too
    with pytest.raises(ValueError, match='is the config'):
        IndexedOutputFolder(str(tmp_path), '--out', 'index.json', 'tool', 1,
                            inputs={'the config': str(config)}).check(
                                ['config.py'])


def test_synthesize_force_never_deletes_what_it_did_not_write(
        tmp_path, ddad_run, teacher_checkpoint):
    """The rules of ``tools/synthesize.py``'s folder, through its API call
    (``tests/test_visualization.py`` runs the tool itself)."""
    from mmddad.apis import synthesize_dataset
    ckpt = osp.join(ddad_run, 'iter_2.pth')
    out = tmp_path / 'data'
    out.mkdir()
    (out / 'keep.txt').write_text('a user file')
    cfg = tool_config(EMBEDDED_DDAD, *ddad_options(teacher_checkpoint)[1:])

    def synthesize(num, force, checkpoint=ckpt):
        return synthesize_dataset(cfg, checkpoint, str(out), num,
                                  batch_size=2, force=force)

    # a wrong checkpoint path: an error, and the folder as it was
    with pytest.raises(OSError, match='nope.pth'):
        synthesize(3, 2, str(tmp_path / 'nope.pth'))
    assert sorted(os.listdir(out)) == ['keep.txt']
    # a folder with files of its own: --force alone refuses it
    with pytest.raises(FileExistsError) as info:
        synthesize(3, 1)
    assert 'keep.txt' in str(info.value)
    assert '--force twice' in str(info.value)
    assert sorted(os.listdir(out)) == ['keep.txt']
    # told twice: written beside the user's file, which is kept
    assert synthesize(3, 2) == 3
    assert (out / 'keep.txt').read_text() == 'a user file'
    assert sorted(os.listdir(out / 'images')) == [
        '000000.png', '000001.png', '000002.png'
    ]
    # an earlier output without --force: refused, named
    with pytest.raises(FileExistsError, match='an earlier synthetic dataset '
                       r'\(.*images/000000.png.*\); pass --force'):
        synthesize(2, 0)
    # again: its own earlier files are replaced, the user's kept
    synthesize(2, 2)
    assert sorted(os.listdir(out / 'images')) == ['000000.png', '000001.png']
    assert (out / 'keep.txt').read_text() == 'a user file'
    with open(out / 'synthesize_index.json') as f:
        assert 'meta/train.txt' in json.load(f)['files']
    assert len((out / 'meta' / 'train.txt').read_text().splitlines()) == 2
    # a user file where the new output goes: refused, and nothing changed
    (out / 'images' / '000002.png').write_text('the user\'s')
    with pytest.raises(FileExistsError) as info:
        synthesize(3, 2)
    assert 'images/000002.png' in str(info.value)
    assert 'nothing was changed' in str(info.value)
    assert (out / 'images' / '000002.png').read_text() == 'the user\'s'
    assert sorted(os.listdir(out / 'images')) == [
        '000000.png', '000001.png', '000002.png'
    ]
    os.remove(out / 'images' / '000002.png')
    # a folder that holds only its own output: one --force replaces it
    os.remove(out / 'keep.txt')
    synthesize(1, 1)
    assert os.listdir(out / 'images') == ['000000.png']
    # no hidden folder is left, beside the output or in it
    assert not [p for p in os.listdir(tmp_path) if p.startswith('.')]
    assert not [p for p in os.listdir(out) if p.startswith('.')]


def test_synthesize_force_never_follows_a_symlink_out_of_its_folder(
        tmp_path, ddad_run, teacher_checkpoint):
    from mmddad.apis import synthesize_dataset
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
    cfg = tool_config(EMBEDDED_DDAD, *ddad_options(teacher_checkpoint)[1:])

    def synthesize():
        synthesize_dataset(cfg, ckpt, str(out), 1, force=2)

    with pytest.raises(ValueError) as info:
        synthesize()
    assert 'synthesize_index.json' in str(info.value)
    assert 'images/000000.png' in str(info.value)
    assert os.listdir(outside) == ['000000.png']
    assert (outside / '000000.png').read_bytes() == b'a photo'
    # no index: the user's symlinked folder is not written through either
    os.remove(out / 'synthesize_index.json')
    (outside / '000000.png').unlink()
    with pytest.raises(FileExistsError) as info:
        synthesize()
    assert 'images' in str(info.value)
    assert 'nothing was changed' in str(info.value)
    assert os.listdir(outside) == []
    assert sorted(os.listdir(out)) == ['images', 'keep.txt']


def test_deploy_replaces_another_deployment_only_with_force(
        tmp_path, ddad_run, teacher_checkpoint):
    """``tools/deploy.py``'s work dir, through its API call
    (``tests/test_deploy.py`` runs the tool itself)."""
    pytest.importorskip('onnxruntime')
    from mmddad.apis import deploy_student
    ckpt = osp.join(ddad_run, 'iter_2.pth')
    cfg = tool_config(EMBEDDED_DDAD, *ddad_options(
        teacher_checkpoint, 'val_dataloader.dataset.indices=8')[1:])

    def deploy(work, checkpoint=ckpt, force=False):
        return deploy_student(cfg, checkpoint, str(work), force=force,
                              latency_batch_sizes=[])

    # a refused run leaves no folder behind
    fresh = tmp_path / 'a' / 'fresh'
    with pytest.raises(OSError, match='missing.pth'):
        deploy(fresh, str(tmp_path / 'missing.pth'))
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
    with pytest.raises(FileExistsError) as info:
        deploy(work)
    line = str(info.value)
    assert 'holds another deployment' in line and '--force' in line
    assert 'student_int8.onnx' in line and 'backup' not in line
    assert {n: (work / n).read_bytes() for n in old} == old
    # --force replaces the whole set and keeps everything else
    deploy(work, force=True)
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


def _deploy_folder(work, force=True):
    """The output folder of a deployment into ``work`` (the rules
    ``tools/deploy.py`` writes by)."""
    from mmddad.utils import IndexedOutputFolder
    return IndexedOutputFolder(str(work), '--work-dir', 'deploy_index.json',
                               'deploy', force, what='another deployment')


def test_deploy_force_replaces_only_what_an_index_lists(tmp_path):
    names = ['student.onnx', 'deploy_report.json', 'deploy_index.json']
    work = tmp_path / 'deploy'
    work.mkdir()
    for name in ('student.onnx', 'student_int8.onnx', 'deploy_report.json',
                 'student_int8_backup.onnx', 'notes.txt'):
        (work / name).write_bytes(b'x')
    # no index: not a deployment, and files this run would write are the
    # user's: refused even with --force, named
    with pytest.raises(FileExistsError) as err:
        _deploy_folder(work).check(names)
    assert 'student.onnx, deploy_report.json' in str(err.value)
    assert 'no deploy_index.json lists' in str(err.value)
    # an index: exactly what it lists goes, whatever else is named alike
    (work / 'deploy_index.json').write_text(json.dumps(dict(files=[
        'student.onnx', 'student_int8.onnx', 'deploy_report.json',
        'deploy_index.json'])))
    old = _deploy_folder(work).check(names)
    assert old == ['deploy_index.json', 'deploy_report.json', 'student.onnx',
                   'student_int8.onnx']
    with _deploy_folder(work).writing(dict(config='c.py'), names) as tmp:
        for name in names[:-1]:
            with open(osp.join(tmp, name), 'w') as f:
                f.write('new')
    assert sorted(os.listdir(work)) == [
        'deploy_index.json', 'deploy_report.json', 'notes.txt',
        'student.onnx', 'student_int8_backup.onnx'
    ]
    # the index lists this run's files in its order, itself last
    index = json.loads((work / 'deploy_index.json').read_text())
    assert index == dict(config='c.py', files=names)
    assert (work / 'student.onnx').read_text() == 'new'


def test_deploy_index_reaching_outside_its_folder_is_refused(tmp_path):
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
            _deploy_folder(work).check(['student.onnx'])
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


def test_show_dir_naming_a_file_is_refused_before_testing(
        tmp_path, ddad_run):
    from mmddad.apis import evaluate_checkpoint  # tools/test.py's call
    notes = tmp_path / 'notes.txt'
    notes.write_text('not a folder')
    cfg = tool_config(EMBEDDED_DDAD)
    cfg.work_dir = str(tmp_path / 'w')
    with pytest.raises(NotADirectoryError) as info:
        evaluate_checkpoint(cfg, osp.join(ddad_run, 'iter_2.pth'),
                            show_dir=str(notes))
    assert '--show-dir' in str(info.value) and 'notes.txt' in str(info.value)
    assert 'not a folder' in str(info.value)
    assert not (tmp_path / 'w').exists()


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


def test_benchmark_leaves_no_temporary_folder(tmp_path, monkeypatch):
    import tempfile

    from mmddad.apis import benchmark  # tools/benchmark.py's call
    tmp = tmp_path / 'tmp'
    tmp.mkdir()
    monkeypatch.setattr(tempfile, 'tempdir', str(tmp))
    cfg = tool_config(EMBEDDED_DDAD, 'train_dataloader.batch_size=4',
                      'model.student_steps=1',
                      'model.generator.base_channels=16')
    result = benchmark(cfg, iters=1, warmup=0, random_teacher=True)
    assert result['iterations_per_second'] > 0
    assert not [p for p in os.listdir(tmp) if p.startswith('mmddad_')]
