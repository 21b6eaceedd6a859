# Copyright (c) mmddad contributors. All rights reserved.
"""Run the peer project Fast-Datafree's own code on CPU on mmddad's task.

Fast-Datafree (github zju-vipa/Fast-Datafree, AAAI'22, "Up to 100x Faster
Data-free Knowledge Distillation") is run unmodified from its own files
(``--peer-dir``, extracted with ``git archive``): its ``datafree_kd.py`` is
imported and its ``main()`` runs in this process, with its published CIFAR-10
Fast-2 arguments (``scripts/fast_cifar.sh``, the WRN40-2 -> WRN16-1 line with
``--dataset cifar10``) as the defaults. Every argument this wrapper does not
know goes to the peer's argument parser, after those defaults (so it wins).
The task is the one mmddad measures: the third-party CIFAR-10 ResNet-56
teacher of akamaster/pytorch_resnet_cifar10 distilled into that project's
ResNet-20, scored as top-1 on the CIFAR-10 test images stored as JPEG files
in class folders.

What this wrapper changes, at import time and in this process only (no peer
file is edited), and why:

- Device: CUDA is made unavailable (``torch.cuda.is_available`` returns
  False, so the peer's ``prepare_model`` takes its own CPU branch and no
  DataParallel/DistributedDataParallel is built), ``Tensor.cuda`` and
  ``Module.cuda`` return the object unchanged (the peer calls them without
  checking: ``Evaluator.eval``, ``Generator.clone``, ``fomaml_grad``),
  ``torch.cuda.set_device`` does nothing, and the peer's ``args.gpu`` is set
  to None after parsing whatever ``--gpu`` says (so ``train`` skips its
  ``images.cuda(args.gpu)`` and the synthesizer gets ``device=None``, i.e.
  the CPU). ``--fp16`` (CUDA AMP, and the peer's ``args.scaler_s`` is never
  set) and the distributed options are refused. ``torch.set_num_threads``
  is set to ``--threads`` (2). This machine has no GPU.
- Peer dependencies: ``torchvision.models.utils`` (gone from current
  torchvision; the peer's model files import ``load_state_dict_from_url``
  from it) is provided as an alias of ``torch.hub``'s function. Fast-Datafree
  also needs ``kornia`` installed (``pip install kornia``).
- Models: two names are added to the peer's ``registry.MODEL_DICT``,
  ``akamaster_resnet56`` and ``akamaster_resnet20``, built by akamaster's
  ``resnet.py`` (``--resnet-file``), and they are the default ``--teacher``
  and ``--student``; the peer's own names keep their meaning. Their
  ``forward`` also accepts the peer's ``return_features=True`` (the peer's
  ``train`` calls ``teacher(images, return_features=True)``), returning the
  logits and the pooled features that enter the last linear layer (as the
  peer's CIFAR ResNets do); the logits are akamaster's forward unchanged.
  The student starts from akamaster's random initialisation.
- Teacher weights: the peer loads
  ``checkpoints/pretrained/<dataset>_<teacher>.pth`` (relative to the working
  directory) and takes its ``'state_dict'``; the wrapper writes that file in
  the run's ``--work-dir`` from ``--teacher-weights`` with the ``module.``
  prefix of akamaster's keys removed, so the peer's own strict
  ``load_state_dict`` loads it.
- Data: the peer's ``registry.get_dataset('cifar10')`` runs with its own
  transforms, but its ``datasets.CIFAR10`` is replaced: the test split
  becomes a torchvision ``ImageFolder`` over ``--test-folder`` (the JPEG
  class folders, optionally thinned to ``--max-test-images`` evenly spaced
  images), the training split becomes a stand-in that only carries the
  peer's training transform (which its synthesizer applies to the synthetic
  images it reloads) and fails if it is ever read, as the method is
  data-free.
- Normalisation: the peer's ``registry.NORMALIZE_DICT['cifar10']`` becomes
  the teacher's mean (0.485, 0.456, 0.406) and std (0.229, 0.224, 0.225)
  (the peer uses CIFAR-10's own statistics): it is used by the test
  transform, by the synthetic images' reload transform and by the
  synthesizer's normaliser that feeds its generator's [0, 1] images to the
  teacher and student.
- Timing and stopping: ``FastMetaSynthesizer.synthesize`` and ``.sample``
  and the peer's evaluator are wrapped (the peer's code runs inside). The
  training clock starts at the first synthesis round (model building and
  loading are left out) and stops during every evaluation; once it reaches
  ``--minutes``, the run stops at the next synthesis round or KD step, or
  right after the evaluation that crossed it. A stop inside an epoch is
  followed by one more evaluation of the student as it is (the peer
  evaluates only at the end of each epoch), marked ``partial_epoch``.
- Outputs: the peer writes its relative paths (``checkpoints/``, its
  ``--save_dir`` image pool, its log) under ``--work-dir``, which must be
  new or empty, because the peer's synthetic image pool keeps every PNG
  found in its folder (a reused folder would mix runs). ``--out`` gets the
  curve as JSON, replaced atomically after every evaluation. The
  ``pin_memory`` warnings of the peer's data loaders (no accelerator) are
  silenced.

Left as the peer has it: its data loaders' worker processes (the synthetic
pool's loader is built with 4 workers in the peer's code, the test loader
with ``-j``/``--workers``, default 4), the PNG round trip of its image pool,
its per-epoch evaluation and best-checkpoint saving, its cosine schedule
(200 epochs, stepped after the warm-up epochs).

Example (a Fast-2 run stopped after 60 minutes of training)::

    python tools/analysis/run_fast_datafree.py --minutes 60 \\
        --out work_dirs/fast_datafree/curve.json \\
        --work-dir work_dirs/fast_datafree
"""
import argparse
import hashlib
import importlib
import importlib.util
import json
import os
import os.path as osp
import sys
import time
import types
import warnings
from typing import Any, Callable, Dict, List, Optional, Tuple

import torch
import torch.nn as nn

TEACHER_NAME = 'akamaster_resnet56'
STUDENT_NAME = 'akamaster_resnet20'
TEACHER_MEAN = (0.485, 0.456, 0.406)
TEACHER_STD = (0.229, 0.224, 0.225)
CIFAR10_CLASSES = ('airplane', 'automobile', 'bird', 'cat', 'deer', 'dog',
                   'frog', 'horse', 'ship', 'truck')

# The CIFAR-10 Fast-2 line of the peer's scripts/fast_cifar.sh (its WRN line,
# "--dataset cifar100" changed to cifar10 as the script's header says), less
# --gpu (forced to the CPU) and with this task's teacher and student.
FAST2_CIFAR10_ARGS: List[str] = [
    '--batch_size', '256', '--lr', '0.2', '--kd_steps', '400', '--ep_steps',
    '400', '--adv', '1.1', '--bn', '10.0', '--oh', '0.4', '--act', '0',
    '--balance', '0', '--T', '20', '--seed', '0', '--bn_mmt', '0.9',
    '--warmup', '20', '--epochs', '220', '--dataset', 'cifar10', '--method',
    'fast_meta', '--g_steps', '2', '--lr_z', '0.015', '--lr_g', '5e-3',
    '--is_maml', '1', '--reset_l0', '1', '--reset_bn', '0', '--save_dir',
    'run/fast2', '--log_tag', 'fast2', '--teacher', TEACHER_NAME, '--student',
    STUDENT_NAME
]


class BudgetReached(BaseException):
    """Raised inside the peer's loop when the training time is spent.

    A BaseException, so no ``except Exception`` of the peer can swallow it.
    """


def positive_float(text: str) -> float:
    """An argparse type: a number > 0."""
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f'{text!r} is not > 0')
    return value


def positive_int(text: str) -> int:
    """An argparse type: an integer >= 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f'{text!r} is not >= 1')
    return value


def parse_args(
        argv: Optional[List[str]] = None
) -> Tuple[argparse.Namespace, List[str]]:
    """Parse the wrapper's options; the rest is for the peer.

    Args:
        argv: The command line without the program name (default:
            ``sys.argv[1:]``).

    Returns:
        tuple[Namespace, list[str]]: The wrapper's options and the peer's
        arguments (the Fast-2 defaults followed by the unknown ones).
    """
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        allow_abbrev=False,
        epilog='Any other argument goes to the peer\'s datafree_kd.py '
        '(e.g. --epochs 220 --batch_size 256), after its Fast-2 CIFAR-10 '
        'defaults: ' + ' '.join(FAST2_CIFAR10_ARGS))
    parser.add_argument('--peer-dir',
                        default='data/Fast-Datafree',
                        help='the unmodified Fast-Datafree source tree')
    parser.add_argument('--resnet-file',
                        default='data/pytorch_resnet_cifar10/resnet.py',
                        help='akamaster\'s resnet.py (resnet56, resnet20)')
    parser.add_argument(
        '--teacher-weights',
        default='data/pytorch_resnet_cifar10/pretrained_models/'
        'resnet56-4bfd9763.th',
        help='akamaster\'s ResNet-56 checkpoint (state_dict, "module." keys)')
    parser.add_argument('--test-folder',
                        default='data/cifar10-jpg/test',
                        help='CIFAR-10 test images in class folders')
    parser.add_argument('--minutes',
                        type=positive_float,
                        default=60.0,
                        help='stop after this many minutes of training '
                        '(evaluation excluded)')
    parser.add_argument('--work-dir',
                        help='new or empty folder for the peer\'s relative '
                        'outputs (default: data/fast_datafree_runs/<time>)')
    parser.add_argument('--out',
                        help='curve JSON (default: WORK_DIR/curve.json)')
    parser.add_argument('--max-test-images',
                        type=positive_int,
                        help='evaluate on this many evenly spaced test '
                        'images (default: all)')
    parser.add_argument('--eval-teacher',
                        action='store_true',
                        help='also score the teacher once, before training')
    parser.add_argument('--threads',
                        type=positive_int,
                        default=2,
                        help='torch.set_num_threads (default: 2)')
    args, peer_args = parser.parse_known_args(argv)
    if args.work_dir is None:
        args.work_dir = osp.join(
            'data', 'fast_datafree_runs',
            time.strftime('%Y%m%d-%H%M%S') + f'-{os.getpid()}')
    for name in ('peer_dir', 'resnet_file', 'teacher_weights', 'test_folder',
                 'work_dir'):
        setattr(args, name, osp.abspath(getattr(args, name)))
    args.out = osp.abspath(args.out or osp.join(args.work_dir, 'curve.json'))
    return args, FAST2_CIFAR10_ARGS + peer_args


def patch_cpu() -> None:
    """Make the peer's CUDA calls CPU no-ops (see the module docstring)."""
    torch.cuda.is_available = lambda: False
    torch.cuda.set_device = lambda *args, **kwargs: None
    torch.Tensor.cuda = lambda self, *args, **kwargs: self
    nn.Module.cuda = lambda self, *args, **kwargs: self
    warnings.filterwarnings('ignore', message='.*pin_memory.*')


def shim_torchvision() -> None:
    """Provide ``torchvision.models.utils.load_state_dict_from_url``."""
    try:
        importlib.import_module('torchvision.models.utils')
    except ImportError:
        shim = types.ModuleType('torchvision.models.utils')
        shim.load_state_dict_from_url = torch.hub.load_state_dict_from_url
        sys.modules['torchvision.models.utils'] = shim


def load_module(path: str, name: str) -> types.ModuleType:
    """Import a Python file as a module of the given name.

    Args:
        path: The ``.py`` file.
        name: The module name to give it.

    Returns:
        module: The imported module.
    """
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f'cannot import {path}')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def with_features(model: nn.Module) -> nn.Module:
    """Let an akamaster ResNet answer the peer's ``return_features=True``.

    The model's class becomes a subclass of its own whose ``forward`` calls
    the original one and, when asked, also returns the input of the last
    linear layer (the pooled features).

    Args:
        model: An akamaster ``ResNet``.

    Returns:
        nn.Module: The same model, its class swapped.
    """
    base = type(model)

    class PeerInterfaceResNet(base):  # type: ignore[misc, valid-type]

        def forward(self, x: torch.Tensor, return_features: bool = False):
            if not return_features:
                return super().forward(x)
            captured: List[torch.Tensor] = []
            handle = self.linear.register_forward_hook(
                lambda module, inputs, output: captured.append(inputs[0]))
            try:
                logits = super().forward(x)
            finally:
                handle.remove()
            return logits, captured[0]

    PeerInterfaceResNet.__name__ = base.__name__
    model.__class__ = PeerInterfaceResNet
    return model


def register_models(registry: types.ModuleType, resnet_file: str) -> None:
    """Add akamaster's ResNet-56 and ResNet-20 to the peer's registry.

    Args:
        registry: The peer's ``registry`` module.
        resnet_file: akamaster's ``resnet.py``.
    """
    resnet = load_module(resnet_file, 'akamaster_resnet')

    def builder(arch: str) -> Callable[..., nn.Module]:

        def build(num_classes: int = 10, **kwargs: Any) -> nn.Module:
            if num_classes != 10:
                raise ValueError(f'{arch} of akamaster has 10 classes, '
                                 f'not {num_classes}')
            return with_features(getattr(resnet, arch)())

        return build

    registry.MODEL_DICT[TEACHER_NAME] = builder('resnet56')
    registry.MODEL_DICT[STUDENT_NAME] = builder('resnet20')


def write_teacher_checkpoint(weights: str, path: str) -> None:
    """Write akamaster's ResNet-56 weights where the peer loads them.

    Args:
        weights: akamaster's checkpoint (``state_dict`` with ``module.``).
        path: The peer's ``checkpoints/pretrained/<dataset>_<teacher>.pth``.
    """
    checkpoint = torch.load(weights, map_location='cpu')
    state = checkpoint.get('state_dict', checkpoint)
    state = {
        (k[len('module.'):] if k.startswith('module.') else k): v
        for k, v in state.items()
    }
    os.makedirs(osp.dirname(path), exist_ok=True)
    torch.save({'state_dict': state}, path)


class NoTrainingData(torch.utils.data.Dataset):
    """The peer's CIFAR-10 training set, carrying only its transform.

    Args:
        transform: The peer's training transform (its synthesizer applies
            it to the synthetic images it reloads from its pool).
    """

    def __init__(self, transform: Callable) -> None:
        self.transform = transform

    def __len__(self) -> int:
        raise RuntimeError('data-free: the training set is not read')

    def __getitem__(self, index: int) -> Any:
        raise RuntimeError('data-free: the training set is not read')


def patch_datasets(registry: types.ModuleType, test_folder: str,
                   max_images: Optional[int]) -> None:
    """Point the peer's CIFAR-10 at the JPEG test folders, data-free.

    Args:
        registry: The peer's ``registry`` module.
        test_folder: The test images in class folders.
        max_images: Keep this many evenly spaced images (None: all).
    """
    from torchvision import datasets as tv_datasets

    def cifar10(root: str,
                train: bool = True,
                transform: Callable = None,
                **kwargs: Any) -> torch.utils.data.Dataset:
        if train:
            return NoTrainingData(transform)
        folder = tv_datasets.ImageFolder(test_folder, transform=transform)
        if tuple(folder.classes) != CIFAR10_CLASSES:
            raise ValueError(f'{test_folder}: classes {folder.classes}, '
                             f'expected {list(CIFAR10_CLASSES)}')
        total = len(folder)
        if max_images is None or max_images >= total:
            return folder
        return torch.utils.data.Subset(
            folder, [i * total // max_images for i in range(max_images)])

    class DatasetsProxy:
        """torchvision.datasets with CIFAR10 replaced."""
        CIFAR10 = staticmethod(cifar10)

        def __getattr__(self, name: str) -> Any:
            return getattr(tv_datasets, name)

    registry.datasets = DatasetsProxy()
    registry.NORMALIZE_DICT['cifar10'] = dict(mean=TEACHER_MEAN,
                                              std=TEACHER_STD)


def file_sha256(path: str) -> str:
    """The SHA-256 of a file, in hex."""
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def write_json_atomic(path: str, data: Dict[str, Any]) -> None:
    """Write JSON to a temporary name in the same folder, then rename it.

    Args:
        path: The file to (re)place.
        data: What to write.
    """
    os.makedirs(osp.dirname(path), exist_ok=True)
    temp = f'{path}.tmp-{os.getpid()}'
    with open(temp, 'w') as f:
        json.dump(data, f, indent=2)
        f.write('\n')
    os.replace(temp, path)


class Recorder:
    """The training clock, the budget and the curve of one run.

    Args:
        budget_s: Training seconds after which the run stops.
        out: The curve JSON.
        record: The JSON's fixed fields (run description).
    """

    def __init__(self, budget_s: float, out: str, record: Dict[str,
                                                               Any]) -> None:
        self.budget_s = budget_s
        self.out = out
        self.record = dict(record, evaluations=[])
        self.train_s = 0.0
        self._since: Optional[float] = None
        self.started = False
        self.synthesis_rounds = 0
        self.kd_steps = 0
        self.peer_args: Optional[argparse.Namespace] = None
        self.synthesizer: Any = None
        self.evaluator: Any = None

    def start(self) -> None:
        """Start or resume the training clock."""
        self.started = True
        self._since = time.perf_counter()

    def pause(self) -> None:
        """Stop the training clock, adding the time since the start."""
        if self._since is not None:
            self.train_s += time.perf_counter() - self._since
            self._since = None

    def seconds(self) -> float:
        """Training seconds so far."""
        running = 0.0 if self._since is None else (time.perf_counter() -
                                                   self._since)
        return self.train_s + running

    def check_budget(self) -> None:
        """Raise :class:`BudgetReached` once the training time is spent."""
        if self.seconds() >= self.budget_s:
            raise BudgetReached()

    def evaluate(self,
                 model: nn.Module,
                 partial: bool = False,
                 **kwargs: Any) -> Dict[str, Any]:
        """Run the peer's evaluator off the clock and record the result.

        Args:
            model: The student (in eval mode).
            partial: Whether the run stopped inside an epoch.
            **kwargs: For the peer's evaluator (``device``).

        Returns:
            dict: The peer's evaluation results.
        """
        self.pause()
        eval_start = time.perf_counter()
        results = self.evaluator(model, **kwargs)
        (top1, top5), loss = results['Acc'], results['Loss']
        epoch = self.peer_args.current_epoch
        entry = dict(epoch=epoch,
                     train_seconds=round(self.train_s, 3),
                     top1=float(top1),
                     top5=float(top5),
                     loss=float(loss),
                     synthesis_rounds=self.synthesis_rounds,
                     kd_steps=self.kd_steps,
                     partial_epoch=partial,
                     eval_seconds=round(time.perf_counter() - eval_start, 3))
        self.record['evaluations'].append(entry)
        self.write()
        print(f'[run_fast_datafree] epoch {epoch} after {self.train_s:.1f} s '
              f'of training: top-1 {float(top1):.2f} %' +
              (' (stopped inside the epoch)' if partial else ''),
              flush=True)
        if self.started:
            self.start()
        return results

    def write(self, **fields: Any) -> None:
        """Update the record and write it atomically to ``out``."""
        self.record.update(fields)
        write_json_atomic(self.out, self.record)


def patch_peer_loop(datafree: types.ModuleType, recorder: Recorder,
                    eval_teacher: bool) -> None:
    """Wrap the peer's synthesizer and evaluator for the clock and budget.

    Args:
        datafree: The peer's ``datafree`` package.
        recorder: The run's recorder.
        eval_teacher: Score the teacher once before the first round.
    """
    synthesizer_cls = datafree.synthesis.FastMetaSynthesizer
    synthesize, sample = synthesizer_cls.synthesize, synthesizer_cls.sample
    make_evaluator = datafree.evaluators.classification_evaluator

    def timed_synthesize(self: Any, *args: Any, **kwargs: Any) -> Any:
        if not recorder.started:
            recorder.synthesizer = self
            if eval_teacher:
                results = recorder.evaluator(self.teacher)
                recorder.write(teacher_top1=float(results['Acc'][0]))
                print(
                    f'[run_fast_datafree] teacher top-1 '
                    f'{results["Acc"][0]:.2f} %',
                    flush=True)
            recorder.start()
        recorder.check_budget()
        out = synthesize(self, *args, **kwargs)
        recorder.synthesis_rounds += 1
        return out

    def timed_sample(self: Any, *args: Any, **kwargs: Any) -> Any:
        recorder.check_budget()
        recorder.kd_steps += 1
        return sample(self, *args, **kwargs)

    def timed_evaluator(*args: Any, **kwargs: Any) -> Callable:
        recorder.evaluator = make_evaluator(*args, **kwargs)

        def evaluate(model: nn.Module, **eval_kwargs: Any) -> Any:
            results = recorder.evaluate(model, **eval_kwargs)
            recorder.check_budget()
            return results

        return evaluate

    synthesizer_cls.synthesize = timed_synthesize
    synthesizer_cls.sample = timed_sample
    datafree.evaluators.classification_evaluator = timed_evaluator


def check_peer_args(peer_args: argparse.Namespace) -> None:
    """Refuse the peer options this wrapper does not adapt."""
    if peer_args.dataset != 'cifar10':
        raise SystemExit('only --dataset cifar10 is adapted')
    if peer_args.method != 'fast_meta':
        raise SystemExit('only --method fast_meta is timed by this wrapper')
    if peer_args.fp16:
        raise SystemExit('--fp16 needs CUDA (and the peer never sets '
                         'args.scaler_s)')
    if peer_args.multiprocessing_distributed or peer_args.world_size > 1:
        raise SystemExit('distributed training needs GPUs')


def main(argv: Optional[List[str]] = None) -> None:
    """Run the peer's ``datafree_kd.main()`` with the adaptations."""
    args, peer_argv = parse_args(argv)
    torch.set_num_threads(args.threads)
    if osp.isdir(args.work_dir) and os.listdir(args.work_dir):
        raise SystemExit(f'--work-dir {args.work_dir} is not empty: the '
                         'peer\'s synthetic image pool would mix runs')
    os.makedirs(args.work_dir, exist_ok=True)

    patch_cpu()
    shim_torchvision()
    sys.path.insert(0, args.peer_dir)
    registry = importlib.import_module('registry')
    datafree = importlib.import_module('datafree')
    peer_main = importlib.import_module('datafree_kd')
    register_models(registry, args.resnet_file)
    patch_datasets(registry, args.test_folder, args.max_test_images)

    peer_files = ('datafree_kd.py', 'registry.py',
                  'datafree/synthesis/fast_meta.py')
    recorder = Recorder(
        args.minutes * 60, args.out,
        dict(peer='zju-vipa/Fast-Datafree (unmodified), datafree_kd.py',
             peer_dir=args.peer_dir,
             peer_files_sha256={
                 f: file_sha256(osp.join(args.peer_dir, f))
                 for f in peer_files
             },
             peer_argv=peer_argv,
             minutes=args.minutes,
             threads=args.threads,
             work_dir=args.work_dir,
             test_folder=args.test_folder,
             max_test_images=args.max_test_images,
             stopped=None))
    patch_peer_loop(datafree, recorder, args.eval_teacher)

    parse_peer = peer_main.parser.parse_args

    def parse_and_adapt(*a: Any, **kw: Any) -> argparse.Namespace:
        peer_args = parse_peer(*a, **kw)
        check_peer_args(peer_args)
        peer_args.gpu = None  # the CPU, everywhere the peer passes args.gpu
        recorder.peer_args = peer_args
        if peer_args.teacher == TEACHER_NAME:
            write_teacher_checkpoint(
                args.teacher_weights,
                osp.join('checkpoints', 'pretrained',
                         f'{peer_args.dataset}_{peer_args.teacher}.pth'))
        return peer_args

    peer_main.parser.parse_args = parse_and_adapt
    sys.argv = ['datafree_kd.py'] + peer_argv
    os.chdir(args.work_dir)
    wall_start = time.perf_counter()
    try:
        peer_main.main()
        stopped = 'epochs done'
    except BudgetReached:
        stopped = f'--minutes {args.minutes:g} reached'
        recorder.pause()
        evaluations = recorder.record['evaluations']
        last = evaluations[-1] if evaluations else None
        if last is None or (last['kd_steps'], last['synthesis_rounds']) != (
                recorder.kd_steps, recorder.synthesis_rounds):
            recorder.started = False  # the clock stays stopped
            student = recorder.synthesizer.student
            student.eval()
            recorder.evaluate(student, partial=True)
    recorder.pause()
    recorder.write(stopped=stopped,
                   train_seconds=round(recorder.train_s, 3),
                   wall_seconds=round(time.perf_counter() - wall_start, 3),
                   peer_generation_seconds=round(peer_main.time_cost, 3))
    print(f'[run_fast_datafree] stopped ({stopped}); curve in {args.out}',
          flush=True)


if __name__ == '__main__':
    main()
