# Copyright (c) mmddad contributors. All rights reserved.
"""ONNX Runtime sessions, timing and the CPU they run on."""
import os
import platform
import statistics
import time
from typing import Callable, Dict

import numpy as np

from .deployable_model import INPUT_NAME


def ort_session(path: str, threads: int):
    """A CPU inference session of ``path`` with ``threads`` intra-op
    threads (and one inter-op thread)."""
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(
        path, sess_options=options, providers=['CPUExecutionProvider'])


def run_session(session, images: np.ndarray) -> np.ndarray:
    """The first output of ``session`` for a float32 image batch."""
    return session.run(None, {INPUT_NAME: images.astype(np.float32)})[0]


def median_ms(fn: Callable[[], object], runs: int, warmup: int) -> float:
    """Median wall time of ``fn()`` in milliseconds over ``runs`` timed
    calls, after ``warmup`` untimed ones."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


#: The CPU features that decide INT8 and bf16 speed.
CPU_FEATURES = ('avx2', 'avx512f', 'avx512_vnni', 'avx_vnni', 'avx512_bf16',
                'amx_tile', 'amx_int8')


def cpu_description() -> Dict[str, object]:
    """The CPU's model name, core count and the features of
    :data:`CPU_FEATURES` it has (read from ``/proc/cpuinfo`` on Linux)."""
    name, flags = platform.processor() or platform.machine(), set()
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                key, _, value = line.partition(':')
                if key.strip() == 'model name':
                    name = value.strip()
                elif key.strip() == 'flags':
                    flags = set(value.split())
                if name and flags:
                    break
    except OSError:
        pass
    return dict(model=name, cores=os.cpu_count(),
                features=[f for f in CPU_FEATURES if f in flags])
