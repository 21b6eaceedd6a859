# Copyright (c) mmddad contributors. All rights reserved.
"""Importing mmddad changes no global checkpoint loader; the tools, the API,
the training loop and a config's runner install the safe one
(``install_safe_loader``).
What the safe loader refuses: ``tests/test_safe_checkpoint.py``."""
import os
import subprocess
import sys
import textwrap

from .conftest import REPO_ROOT, TEACHER_RECIPE

#: Run in a fresh interpreter: importing mmddad changes no loader, and
#: install_safe_loader (and each entry point that calls it) installs it.
IMPORT_CHECK = textwrap.dedent('''
    import argparse, sys
    from unittest import mock
    import mmengine.runner.checkpoint as mmengine_checkpoint
    import torch
    from mmengine.runner.checkpoint import CheckpointLoader

    schemes = dict(CheckpointLoader._schemes)
    http = mmengine_checkpoint.load_from_http

    def unchanged():
        return (dict(CheckpointLoader._schemes) == schemes
                and mmengine_checkpoint.load_from_http is http)

    import mmddad
    import mmddad.apis, mmddad.datasets, mmddad.deploy, mmddad.engine
    import mmddad.models, mmddad.utils
    assert unchanged(), 'importing mmddad changed a checkpoint loader'
    assert 'mmddad.apis.cli' not in sys.modules, 'mmddad imports the CLI'
    from mmddad.utils.checkpoint import safe_loading as safe

    def installed():
        return (CheckpointLoader._schemes[''] is safe.load_from_local_safely
                and CheckpointLoader._schemes['http://'] is
                safe.load_from_http_safely
                and CheckpointLoader._schemes['https://'] is
                safe.load_from_http_safely
                and mmengine_checkpoint.load_from_http is
                safe.load_from_http_safely)

    def uninstall():
        CheckpointLoader._schemes = type(CheckpointLoader._schemes)(schemes)
        mmengine_checkpoint.load_from_http = http

    mmddad.utils.install_safe_loader()
    assert installed()
    once = dict(CheckpointLoader._schemes)
    mmddad.utils.install_safe_loader()  # idempotent
    assert installed() and dict(CheckpointLoader._schemes) == once
    assert set(once) == set(schemes), 'a scheme was added or lost'
    # every entry point installs it
    from mmddad.apis.cli import start_tool
    from mmddad.engine.loops import DataFreeTrainLoop
    torch.save(dict(state_dict={}), sys.argv[1])

    def teacher_runner():  # a config's runner built by other code
        from mmengine.config import Config
        from mmengine.runner import Runner
        cfg = Config.fromfile(sys.argv[2])
        cfg.work_dir = sys.argv[3]
        Runner.from_cfg(cfg)

    for name, entry in (
            ('load_checkpoint_file',
             lambda: mmddad.utils.load_checkpoint_file(sys.argv[1])),
            ('start_tool', lambda: start_tool(argparse.Namespace())),
            ('DataFreeTrainLoop', lambda: DataFreeTrainLoop(
                mock.MagicMock(), dict(batch_size=2), max_iters=1)),
            ('Runner.from_cfg of a teacher recipe', teacher_runner)):
        uninstall()
        assert unchanged()
        entry()
        assert installed(), f'{name} does not install the safe loader'
    print('ok')
''')


def test_importing_mmddad_installs_no_loader(tmp_path):
    env = dict(os.environ, PYTHONPATH=REPO_ROOT, OMP_NUM_THREADS='1',
               MKL_NUM_THREADS='1')
    proc = subprocess.run(
        [sys.executable, '-c', IMPORT_CHECK, str(tmp_path / 'ok.pth'),
         TEACHER_RECIPE, str(tmp_path / 'work')],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().endswith('ok'), proc.stdout[-3000:]
