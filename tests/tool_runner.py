# Copyright (c) mmddad contributors. All rights reserved.
"""Run the command-line tools as users run them, without paying the
interpreter's start-up and the stack's imports (about 6 s on 2 CPU cores)
for each of the suite's tool runs.

A forkserver process imports torch, MMEngine, MMCV, MMPretrain, MMSeg and
mmddad once; each tool run is a fresh process forked from it that sets the
working directory, environment and ``sys.argv``, points its file
descriptors 1 and 2 at files, and runs the script as ``__main__`` (what
``python tools/X.py ...`` does after its imports). Exit codes follow
Python's: ``sys.exit(n)``, 1 with a traceback for an uncaught exception,
negative for a signal.

``MMDDAD_TEST_SUBPROCESS=1`` runs every tool in a new interpreter instead.
Tests that check what an interpreter does at start-up (imports, the
minimum stack) call ``subprocess`` themselves.
"""
import multiprocessing
import os
import os.path as osp
import subprocess
import sys
import tempfile
from typing import Dict, List, Optional

#: imported once by the forkserver (import only: no computation, so no
#: OpenMP thread pool exists before a fork)
PRELOAD = [
    'torch', 'torchvision', 'mmengine.runner', 'mmcv.ops',
    'mmpretrain.models', 'mmpretrain.datasets', 'mmseg.models',
    'mmseg.datasets', 'mmseg.evaluation', 'mmddad', 'tests.tool_runner'
]

_CONTEXT: Optional[multiprocessing.context.BaseContext] = None


def _context() -> multiprocessing.context.BaseContext:
    global _CONTEXT
    if _CONTEXT is None:
        _CONTEXT = multiprocessing.get_context('forkserver')
        _CONTEXT.set_forkserver_preload(PRELOAD)
    return _CONTEXT


def _run_script(argv: List[str], cwd: str, env: Dict[str, str],
                out_path: str, err_path: str) -> None:
    """Child body: run ``argv[0]`` as ``__main__``; never returns."""
    import atexit
    import runpy
    import tempfile as child_tempfile
    import traceback
    out = os.open(out_path, os.O_WRONLY)
    err = os.open(err_path, os.O_WRONLY)
    os.dup2(out, 1)
    os.dup2(err, 2)
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    child_tempfile.tempdir = None  # $TMPDIR of this run, not the server's
    for path in reversed(env.get('PYTHONPATH', '').split(os.pathsep)):
        if path and path not in sys.path:
            sys.path.insert(0, path)
    sys.path.insert(0, osp.dirname(osp.abspath(argv[0])))
    sys.argv = list(argv)
    code = 0
    try:
        runpy.run_path(argv[0], run_name='__main__')
    except SystemExit as exc:
        if exc.code is None:
            code = 0
        elif isinstance(exc.code, int):
            code = exc.code
        else:  # sys.exit('message'): printed, status 1
            print(exc.code, file=sys.stderr)
            code = 1
    except BaseException:  # what the interpreter prints for an uncaught one
        traceback.print_exc()
        code = 1
    try:  # what the interpreter runs at exit (weakref finalizers too)
        atexit._run_exitfuncs()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def run_python(argv: List[str],
               cwd: str,
               env: Dict[str, str],
               timeout: float = 600) -> subprocess.CompletedProcess:
    """``python *argv`` in ``cwd`` with ``env``; stdout and stderr as text.

    Raises:
        subprocess.TimeoutExpired: The run took longer than ``timeout``.
    """
    if os.environ.get('MMDDAD_TEST_SUBPROCESS') == '1':
        return subprocess.run([sys.executable, *argv],
                              cwd=cwd,
                              env=env,
                              capture_output=True,
                              text=True,
                              timeout=timeout)
    with tempfile.TemporaryDirectory() as tmp:
        out_path, err_path = osp.join(tmp, 'out'), osp.join(tmp, 'err')
        for path in (out_path, err_path):
            open(path, 'w').close()
        child = _context().Process(
            target=_run_script, args=(argv, cwd, env, out_path, err_path))
        child.start()
        child.join(timeout)
        if child.is_alive():
            child.kill()
            child.join()
            raise subprocess.TimeoutExpired([sys.executable, *argv], timeout)
        with open(out_path) as f:
            stdout = f.read()
        with open(err_path) as f:
            stderr = f.read()
    return subprocess.CompletedProcess([sys.executable, *argv],
                                       child.exitcode, stdout, stderr)
