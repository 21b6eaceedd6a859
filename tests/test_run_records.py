# Copyright (c) mmddad contributors. All rights reserved.
"""The run-record module: the summary's schema, the time to a score, and
MMEngine's scalars logs read across the logs of a resumed run."""
import json
import os

import pytest

from mmddad.engine.run_records import (last_val_metric, make_summary,
                                       read_scalars, read_summary,
                                       time_to_reach, write_summary)

CURVE = [dict(iter=100, train_seconds=60.0, top1=50.0),
         dict(iter=200, train_seconds=120.0, top1=80.0),
         dict(iter=300, train_seconds=180.0, top1=79.0)]


def test_summary_round_trip_with_the_time_to_quality(tmp_path):
    summary = make_summary('cfg.py', 1, 'top1', teacher=90.0, student=79.0,
                           distill_seconds=200.04,
                           teacher_train_seconds=None, total_seconds=210.0,
                           curve=CURVE, quality_ratio=0.8)
    assert summary['time_to_quality'] == dict(
        ratio=0.8, threshold=72.0, iter=200, train_seconds=120.0)
    assert summary['ratio'] == pytest.approx(79 / 90)
    assert summary['distill_seconds'] == 200.0
    write_summary(str(tmp_path), summary)
    assert read_summary(str(tmp_path)) == summary
    assert read_summary(str(tmp_path / 'none')) is None


def test_a_summary_without_its_keys_is_refused_naming_the_file(tmp_path):
    with open(tmp_path / 'distill_summary.json', 'w') as f:
        json.dump(dict(metric='top1', teacher=90.0), f)
    with pytest.raises(ValueError, match='distill_summary.json.*lacks'):
        read_summary(str(tmp_path))


def test_time_to_reach_never_reached():
    assert time_to_reach(CURVE, 'top1', 81.0) is None


def test_time_to_reach_is_the_first_validation_at_the_threshold():
    from mmddad.engine.hooks import time_to_reach
    curve = [dict(iter=10, train_seconds=5.0, top1=50.0),
             dict(iter=20, train_seconds=9.0, top1=96.0),
             dict(iter=30, train_seconds=14.0, top1=95.0)]
    assert time_to_reach(curve, 'top1', 95.0) == dict(
        iter=20, train_seconds=9.0)
    assert time_to_reach(curve, 'top1', 97.0) is None


def _log(work_dir, stamp, records):
    folder = work_dir / stamp / 'vis_data'
    os.makedirs(folder)
    with open(folder / 'scalars.json', 'w') as f:
        f.writelines(json.dumps(r) + '\n' for r in records)


def test_scalars_of_a_resumed_run_are_read_across_its_logs(tmp_path):
    """The last validation sits in the first log when the resumed part
    logged only training records: it is still found."""
    _log(tmp_path, '20260101_000000', [
        dict(iter=10, step=10, loss_student=2.0),
        {'top1': 40.0, 'step': 1},
        dict(iter=20, step=20, loss_student=1.5),
        {'top1': 55.0, 'step': 2}])
    _log(tmp_path, '20260101_010000', [
        dict(iter=30, step=30, loss_student=1.2)])
    train, val = read_scalars(str(tmp_path))
    assert train['loss_student'] == [(10, 2.0), (20, 1.5), (30, 1.2)]
    # validation records placed at the iteration they followed
    assert val['top1'] == [(10, 40.0), (20, 55.0)]
    assert last_val_metric(str(tmp_path), 'top1') == 55.0
    with pytest.raises(KeyError, match='mIoU'):
        last_val_metric(str(tmp_path), 'mIoU')


def test_no_scalars_log_names_the_work_dir(tmp_path):
    with pytest.raises(FileNotFoundError, match=str(tmp_path)):
        read_scalars(str(tmp_path))
