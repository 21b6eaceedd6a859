# Copyright (c) mmddad contributors. All rights reserved.
"""One live run per work dir, and a config file inside its own work dir
left as the user wrote it."""
import json
import multiprocessing
import os
import os.path as osp
import subprocess
import sys
import time

import pytest

from mmddad.utils import (LOCK_FILE, WorkDirInUseError, keep_config_copy,
                          work_dir_lock)
from .conftest import STUDENT_RECIPE, TEACHER_RECIPE, TOOLS, run_tool


def _hold(work_dir: str, ready) -> None:
    """A run that holds ``work_dir`` until it is killed."""
    with work_dir_lock(work_dir):
        ready.set()
        time.sleep(120)


def test_a_live_run_refuses_a_second_then_a_killed_one_is_taken_over(
        tmp_path):
    work = str(tmp_path / 'work')
    context = multiprocessing.get_context('fork')
    ready = context.Event()
    first = context.Process(target=_hold, args=(work, ready), daemon=True)
    first.start()
    try:
        assert ready.wait(30)
        holder = json.load(open(osp.join(work, LOCK_FILE)))
        assert holder['pid'] == first.pid and 'pytest' in holder['command']
        with pytest.raises(WorkDirInUseError) as error:
            with work_dir_lock(work):
                pass  # never reached
        message = str(error.value)
        assert f'pid {first.pid} ' in message and 'pytest' in message
        assert work in message and '\n' not in message
    finally:
        first.kill()  # a killed run removes nothing
        first.join()
    assert osp.isfile(osp.join(work, LOCK_FILE))
    with pytest.warns(UserWarning, match=f'taking over .*pid {first.pid} '):
        with work_dir_lock(work) as lock:
            assert json.load(open(lock))['pid'] == os.getpid()
    assert not osp.exists(osp.join(work, LOCK_FILE))


def test_the_lock_file_of_an_exited_process_is_taken_over_with_a_warning(
        tmp_path):
    ended = subprocess.Popen([sys.executable, '-c', 'pass'])
    ended.wait()
    os.makedirs(tmp_path / 'work')
    (tmp_path / 'work' / LOCK_FILE).write_text(json.dumps(dict(
        pid=ended.pid, host='here', command='python tools/train.py x.py',
        started='2024-01-01 00:00:00')))
    with pytest.warns(UserWarning, match=f'pid {ended.pid} .*tools/train'):
        with work_dir_lock(str(tmp_path / 'work')) as lock:
            assert json.load(open(lock))['pid'] == os.getpid()
    assert not osp.exists(tmp_path / 'work' / LOCK_FILE)


def test_the_lock_is_released_on_an_error_and_nests_in_one_process(
        tmp_path):
    work = str(tmp_path / 'work')
    with pytest.raises(RuntimeError, match='boom'):
        with work_dir_lock(work):
            raise RuntimeError('boom')
    assert not osp.exists(work)  # the folder it made is gone with the lock
    with work_dir_lock(work) as outer:
        with work_dir_lock(osp.join(work, '.')) as inner:  # e.g. a teacher's
            assert inner is not None
        assert osp.isfile(outer)  # still held by the outer run
    assert not osp.exists(outer)


def test_only_rank_0_of_a_distributed_run_locks(tmp_path, monkeypatch):
    work = str(tmp_path / 'work')
    monkeypatch.setenv('RANK', '1')
    with work_dir_lock(work, 'pytorch') as lock:
        assert lock is None and not osp.exists(osp.join(work, LOCK_FILE))
    monkeypatch.setenv('RANK', '0')
    with work_dir_lock(work, 'pytorch') as lock:
        assert osp.isfile(lock)


def test_train_is_refused_while_another_run_trains_into_its_work_dir(
        tmp_path):
    work = str(tmp_path / 'work')
    with work_dir_lock(work):
        proc = run_tool(osp.join(TOOLS, 'train.py'), STUDENT_RECIPE,
                        '--work-dir', work, check=False)
        assert os.listdir(work) == [LOCK_FILE]  # nothing else written
    assert proc.returncode == 1
    error = proc.stderr.strip().splitlines()[-1]
    assert error.startswith('error: work dir') and 'WorkDirInUseError' in error
    assert f'pid {os.getpid()} ' in error


def test_a_config_inside_its_own_work_dir_stays_byte_identical(tmp_path):
    from mmengine.config import Config
    from mmengine.runner import Runner
    work = tmp_path / 'work'
    work.mkdir()
    config = work / 'student.py'
    text = (f'# my notes on this run\n_base_ = [{STUDENT_RECIPE!r}]\n'
            'train_cfg = dict(max_epochs=1)  # short\n').encode()
    config.write_bytes(text)
    os.chmod(config, 0o640)
    cfg = Config.fromfile(str(config))
    cfg.work_dir = str(work)
    with keep_config_copy(cfg):
        Runner.from_cfg(cfg)  # MMEngine dumps the config into the work dir
    assert config.read_bytes() == text
    assert os.stat(config).st_mode & 0o777 == 0o640
    cfg.experiment_name = 'failing_run'
    with pytest.raises(ValueError, match='a failure'):
        with keep_config_copy(cfg):
            Runner.from_cfg(cfg)
            raise ValueError('a failure after the dump')
    assert config.read_bytes() == text
    # a config outside its work dir is still copied there, as a dump
    cfg = Config.fromfile(TEACHER_RECIPE)
    cfg.work_dir = str(work)
    with keep_config_copy(cfg):
        Runner.from_cfg(cfg)
    assert osp.isfile(work / osp.basename(TEACHER_RECIPE))
