# Copyright (c) mmddad contributors. All rights reserved.
"""tools/deploy.py: ONNX export, INT8 calibrated on synthetic images, the
ONNX Runtime check and latency, on tiny networks."""
import json
import re
import os
import os.path as osp

import numpy as np
import pytest
import torch

from .conftest import (CONFIGS, EMBEDDED_DDAD, STUDENT_RECIPE,
                       TEACHER_RECIPE, TINY_DDAD, TOOLS, run_tool,
                       tool_config)

pytest.importorskip('onnxruntime', reason='the deploy extra is not '
                    'installed: pip install -e .[deploy]')

CANVAS_DDAD = osp.join(CONFIGS, 'ddad',
                       'ddad_deeplabv3-r18-w16_r18-w8_mnist-canvas.py')
#: Fast timing and calibration for the tests (the tool's defaults are 50
#: timed runs and 512 calibration images).
QUICK = ['--latency-runs', '2', '--latency-warmup', '0',
         '--latency-batch-sizes', '1', '3', '--calib-samples', '8',
         '--calib-batch-size', '4']
#: The same, as arguments of :func:`mmddad.apis.deploy_student`.
QUICK_API = dict(latency_runs=2, latency_warmup=0, latency_batch_sizes=[1, 3],
                 calib_samples=8, calib_batch_size=4)


def deploy(*args, check=True):
    return run_tool(osp.join(TOOLS, 'deploy.py'), *args, check=check)


def check_report(work: str, calibrated: list) -> dict:
    """The files and report of a deploy run, and the ORT-PyTorch match."""
    import onnxruntime as ort
    with open(osp.join(work, 'deploy_report.json')) as f:
        report = json.load(f)
    # one self-contained file (no external weights), dynamic batch
    assert not [p for p in os.listdir(work) if p.endswith('.data')]
    session = ort.InferenceSession(osp.join(work, 'student.onnx'))
    (image, ), (logits, ) = session.get_inputs(), session.get_outputs()
    assert (image.name, logits.name) == ('image', 'logits')
    assert isinstance(image.shape[0], str) and image.type == 'tensor(float)'
    shape = report['input']['shape'][1:]
    out = session.run(None, {'image': np.random.rand(3, *shape).astype(
        np.float32) * 255})[0]
    assert list(out.shape) == [3, *report['output']['shape'][1:]]
    metric, results = report['metric'], report['results']
    fp32 = results['ort_fp32']
    # logits within a bound; predictions equal wherever the top two logits
    # are further apart than twice that bound (near-ties may flip with
    # another CPU's kernels, nothing else may)
    from mmddad.deploy.deployed_evaluation import FP32_LOGIT_TOLERANCE
    assert fp32['max_abs_logit_diff'] < FP32_LOGIT_TOLERANCE
    assert fp32['unexplained_flips'] == 0
    assert fp32['prediction_agreement'] > 0.99
    assert abs(fp32[metric] - results['PyTorch student'][metric]) <= 0.05
    assert [c['source'] for c in report['calibration']] == calibrated
    import onnx
    for name in ['ort_int8'] + [f'ort_int8_{s}' for s in calibrated[1:]]:
        path = osp.join(work, 'student_' + name[4:] + '.onnx')
        ops = {node.op_type for node in onnx.load(path).graph.node}
        assert {'QuantizeLinear', 'DequantizeLinear'} <= ops  # QDQ INT8
        assert report['file_bytes'][f'student {name[4:]}'] < \
            report['file_bytes']['student fp32']
    assert report['file_bytes']['teacher fp32'] > 0
    rows = {(r['model'], r['batch_size']): r for r in report['latency_ms']}
    assert set(rows) == {(m, b) for m in ('teacher', 'student') for b in (1, 3)}
    assert all(v > 0 for r in rows.values() for k, v in r.items()
               if k not in ('model', 'batch_size'))
    assert 'ort_int8' in rows[('student', 1)]
    assert report['threads'] >= 1 and report['cpu']['model']
    return report


def test_deploy_a_classification_run(tmp_path, ddad_run, teacher_checkpoint):
    work = str(tmp_path / 'deploy')
    proc = deploy(EMBEDDED_DDAD, osp.join(ddad_run, 'iter_2.pth'),
                  '--work-dir', work, '--int8', '--calib-source', 'synthetic',
                  'noise', *QUICK, '--cfg-options',
                  f'model.teacher.checkpoint={teacher_checkpoint}',
                  *TINY_DDAD)
    report = check_report(work, ['synthetic', 'noise'])
    assert report['input']['shape'] == ['N', 1, 32, 32]
    assert report['output']['shape'] == ['N', 10]
    assert re.search(r'predictions agree \d+\.\d\d %', proc.stdout)
    assert osp.isfile(osp.join(work, 'student_int8.onnx'))
    assert osp.isfile(osp.join(work, 'student_int8_noise.onnx'))


@pytest.mark.slow
def test_deploy_a_segmentation_run(tmp_path):
    # a one-iteration canvas run with a random teacher
    run = str(tmp_path / 'canvas')
    options = ['--cfg-options', 'model.teacher.checkpoint=None',
               'train_dataloader.batch_size=2', 'model.student_steps=1',
               'model.replay=None', 'default_hooks.ema=None',
               'val_dataloader.dataset.indices=4',
               'test_dataloader.dataset.indices=4']
    run_tool(osp.join(TOOLS, 'train.py'), CANVAS_DDAD, '--work-dir', run,
             *options, 'train_cfg.max_iters=1', 'train_cfg.val_interval=5',
             'default_hooks.checkpoint.interval=1')
    work = str(tmp_path / 'deploy')
    from mmddad.apis import deploy_student  # the tool's call
    deploy_student(tool_config(CANVAS_DDAD, *options[1:]),
                   osp.join(run, 'iter_1.pth'), work, int8=True, **QUICK_API)
    report = check_report(work, ['synthetic'])
    assert report['metric'] == 'mIoU'
    _, channels, height, width = report['input']['shape']
    # per-pixel logits at the input size
    assert report['output']['shape'][2:] == [height, width]


@pytest.mark.parametrize('config', [
    'ddad/ddad_resnet34_resnet18_cifar10.py',
    'ddad/ddad_resnet34_resnet18_cifar100.py',
    'ddad/ddad_resnet34_resnet18_caltech101.py',
    'ddad/ddad_resnet50_resnet18_8xb32_in1k.py',
    pytest.param('ddad/deeplabv3_camvid.py', marks=pytest.mark.slow),
    pytest.param('ddad/deeplabv3_nyuv2.py', marks=pytest.mark.slow),
    pytest.param('ddad/deeplabv3_r50-d8_mobilenetv2_cityscapes.py',
                 marks=pytest.mark.slow),
])
def test_every_student_exports_and_matches_in_onnx_runtime(tmp_path, config):
    """The students of the configs whose data and teachers are not here,
    with random weights, at a small input size."""
    import onnxruntime as ort
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmddad.deploy import DeployableModel, export_onnx
    from mmddad.models import build_network
    from mmddad.models.task_adapters import build_task_adapter
    init_default_scope('mmddad')
    cfg = Config.fromfile(osp.join(CONFIGS, config))
    torch.manual_seed(0)
    student = build_network(cfg.model.student, 'model.student')
    student.init_weights()
    deployable = DeployableModel(student, build_task_adapter(
        None, student)).eval()
    shape = (3, 64, 64)
    path = str(tmp_path / 'student.onnx')
    export_onnx(deployable, (2, *shape), path)
    images = torch.rand(3, *shape) * 255
    with torch.no_grad():
        expected = deployable(images).numpy()
    got = ort.InferenceSession(path).run(None, {'image': images.numpy()})[0]
    assert got.shape == expected.shape
    assert np.abs(got - expected).max() < 1e-3 * max(1.0, np.abs(
        expected).max())
    assert (got.argmax(1) == expected.argmax(1)).all()


def test_deploy_names_what_is_wrong(tmp_path, ddad_run, teacher_checkpoint):
    from mmddad.apis import deploy_student, export_student
    from mmddad.utils import CheckpointMismatchError
    options = [f'model.teacher.checkpoint={teacher_checkpoint}', *TINY_DDAD]
    ckpt = osp.join(ddad_run, 'iter_2.pth')
    work = str(tmp_path / 'w')

    def deploy(checkpoint, *extra, config=EMBEDDED_DDAD, work_dir=work,
               **kwargs):
        return deploy_student(tool_config(config, *options, *extra)
                              if config == EMBEDDED_DDAD else
                              tool_config(config), checkpoint, work_dir,
                              **kwargs)

    # a checkpoint that holds no student: the teacher's
    with pytest.raises(CheckpointMismatchError) as info:
        deploy(teacher_checkpoint)
    assert 'does not fit the student of the config' in str(info.value)
    assert 'model weights (backbone, head) without training state' in str(
        info.value)
    # a config that is not a distillation config
    with pytest.raises(KeyError) as info:
        deploy(ckpt, config=STUDENT_RECIPE)
    assert '`model.teacher`' in str(info.value)
    assert 'distillation config' in str(info.value)
    # a student of another architecture
    with pytest.raises(CheckpointMismatchError, match='keys of another '
                       'shape'):
        deploy(ckpt, 'model.student.backbone.base_channels=16',
               'model.student.backbone.stem_channels=16',
               'model.student.head.in_channels=128')
    # a work dir that cannot be made: a file stands in its path
    blocker = tmp_path / 'a_file'
    blocker.write_text('')
    with pytest.raises(NotADirectoryError,
                       match='--work-dir .* is a file'):
        deploy(ckpt, work_dir=str(blocker / 'deploy'))
    # synthetic calibration needs the run's generator
    student = str(tmp_path / 'student.pth')
    export_student(ckpt, out=student)
    with pytest.raises(ValueError) as info:
        deploy(student, int8=True)
    assert 'an exported student' in str(info.value)
    assert 'iter_N.pth' in str(info.value)
    assert not osp.exists(tmp_path / 'w')


def test_calibration_images_are_what_the_deployed_model_takes(
        teacher_checkpoint):
    """Synthetic calibration batches, fed to the exported model's input,
    are the generator's images in the teacher's normalised space again:
    the pixel scale and channel order of the calibration are right."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmddad.deploy import DeployableModel, calibration_batches
    from mmddad.registry import MODELS
    init_default_scope('mmddad')
    cfg = Config.fromfile(EMBEDDED_DDAD)
    cfg.model.teacher.checkpoint = teacher_checkpoint
    cfg.model.replay = None
    model = MODELS.build(cfg.model).eval()
    batches = list(calibration_batches('synthetic', model, cfg, 6, 4,
                                       (1, 32, 32), seed=3))
    assert [b.shape for b in batches] == [(4, 1, 32, 32), (2, 1, 32, 32)]
    pixels = torch.from_numpy(np.concatenate(batches))
    assert pixels.min() >= 0 and pixels.max() <= 255
    assert torch.equal(pixels, pixels.round())
    rng = torch.Generator().manual_seed(3)
    images = torch.cat([model.sample(model.sample_latents(n, rng)).images
                        for n in (4, 2)])
    deployable = DeployableModel(model.teacher, model.adapter).eval()
    with torch.no_grad():
        from_pixels = deployable(pixels)
        direct = model.adapter.logits(model.teacher, images.clamp(
            *[(v - model.teacher.data_preprocessor.mean.item()) /
              model.teacher.data_preprocessor.std.item() for v in (0, 255)]))
    # equal up to the rounding to whole pixel values
    assert (from_pixels.argmax(1) == direct.argmax(1)).float().mean() > 0.8
    assert torch.allclose(from_pixels, direct, atol=0.5, rtol=0.05)


def test_real_calibration_takes_a_training_set_smaller_than_asked(
        teacher_checkpoint, tmp_path):
    """``--calib-source train`` on a training set of fewer images than
    ``--calib-samples`` (CamVid has 367, the default asks 512) calibrates
    on all of them."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmddad.deploy import calibration_batches
    from mmddad.registry import MODELS
    init_default_scope('mmddad')
    small = tmp_path / 'small_train.py'
    small.write_text(f'_base_ = [{TEACHER_RECIPE!r}]\n'
                     'train_dataloader = dict(dataset=dict(indices=10))\n')
    cfg = Config.fromfile(EMBEDDED_DDAD)
    cfg.model.teacher.checkpoint = teacher_checkpoint
    cfg.model.replay = None
    model = MODELS.build(cfg.model).eval()
    batches = list(calibration_batches('train', model, cfg, 32, 4,
                                       (1, 32, 32), train_config=str(small)))
    assert [len(b) for b in batches] == [4, 4, 2]


def test_parity_tolerates_near_ties_but_not_a_wrong_prediction():
    from mmddad.deploy.deployed_evaluation import _unexplained_flips
    reference = torch.tensor([[1.0, 0.9999, 0.0], [3.0, 0.0, 1.0]])
    # another CPU's rounding (1e-4) flips the near-tie of the first sample
    rounded = reference + torch.tensor([[0.0, 2e-4, 0.0], [1e-4, 0.0, 0.0]])
    same = rounded.argmax(1) == reference.argmax(1)
    assert not same.all() and _unexplained_flips(reference, rounded, same) == 0
    # a broken export moves a decided prediction
    broken = reference.clone()
    broken[1, 2] = 3.5
    same = broken.argmax(1) == reference.argmax(1)
    assert _unexplained_flips(reference, broken, same) == 1
    # per pixel (segmentation logits, N x C x H x W)
    maps = reference.t().reshape(1, 3, 1, 2)
    assert _unexplained_flips(maps, maps, torch.ones(1, 1, 2,
                                                     dtype=torch.bool)) == 0


@pytest.fixture(scope='module')
def embedded_student_onnx(tmp_path_factory):
    """A randomly initialised embedded student with its preprocessing, and
    its fp32 ONNX file."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmddad.deploy import DeployableModel, export_onnx
    from mmddad.models import build_network
    from mmddad.models.task_adapters import build_task_adapter
    init_default_scope('mmddad')
    torch.manual_seed(0)
    student = build_network(
        Config.fromfile(EMBEDDED_DDAD).model.student, 'model.student')
    student.init_weights()
    deployable = DeployableModel(student, build_task_adapter(
        None, student)).eval()
    fp32 = str(tmp_path_factory.mktemp('student') / 'student.onnx')
    export_onnx(deployable, (2, 1, 28, 28), fp32)
    return deployable, fp32


@pytest.mark.parametrize('method', ['minmax', 'entropy', 'percentile'])
def test_int8_calibration_methods(tmp_path, method, embedded_student_onnx):
    """`--calib-method`: each of ONNX Runtime's calibrators gives an INT8
    model whose logits stay near the fp32 model's, also from batches of
    unequal sizes; an unknown one is named."""
    import onnxruntime as ort
    from mmddad.deploy import quantize_int8
    _, fp32 = embedded_student_onnx
    rng = np.random.default_rng(0)
    # a last batch smaller than the others, as a training set of 367
    # images in batches of 32 gives
    batches = [rng.uniform(0, 255, (n, 1, 28, 28)).astype(np.float32)
               for n in (8, 8, 8, 3)]
    int8 = str(tmp_path / f'{method}.onnx')
    quantize_int8(fp32, int8, batches, method=method)
    x = batches[0]
    ref = ort.InferenceSession(fp32).run(None, {'image': x})[0]
    got = ort.InferenceSession(int8).run(None, {'image': x})[0]
    assert got.shape == ref.shape
    assert np.abs(got - ref).max() < 0.25 * np.abs(ref).max()
    with pytest.raises(ValueError, match='--calib-method'):
        quantize_int8(fp32, int8, batches, method='median')


def test_int8_keeps_the_whole_pixel_range(tmp_path, embedded_student_onnx):
    """Calibration images without bright pixels (a generator that never
    draws white) do not narrow the input's quantization: the input and its
    preprocessing are quantized over every value loaded pixels can take,
    so a white image is not clipped at the first layer."""
    import onnx
    from mmddad.deploy import quantize_int8
    from mmddad.deploy.int8_quantization import input_ranges
    deployable, fp32 = embedded_student_onnx
    mean = float(deployable.mean.flatten()[0])
    std = float(deployable.std.flatten()[0])

    exact = input_ranges(fp32, (1, 28, 28))
    normalised = [r for name, r in exact.items() if name != 'image']
    # the graph's own normalisation was found: x - mean, then / std
    for low, high in ((-mean, 255 - mean),
                      (-mean / std, (255 - mean) / std)):
        assert any(r == pytest.approx((low, high), rel=1e-4)
                   for r in normalised), (low, high, exact)

    rng = np.random.default_rng(0)
    dark = [rng.uniform(0, 60, (8, 1, 28, 28)).astype(np.float32)
            for _ in range(2)]
    int8 = str(tmp_path / 'int8.onnx')
    quantize_int8(fp32, int8, dark)
    model = onnx.load(int8)
    values = {i.name: onnx.numpy_helper.to_array(i).astype(np.float64)
              for i in model.graph.initializer}
    checked = 0
    for node in model.graph.node:
        if node.op_type == 'QuantizeLinear' and node.input[0] in exact:
            scale, zero = values[node.input[1]], values[node.input[2]]
            low, high = exact[node.input[0]]
            assert (0 - zero) * scale <= low + scale
            assert (255 - zero) * scale >= high - scale
            checked += 1
    assert checked  # the first layer's input is quantized over it all


def test_pixelwise_tensors_follow_only_affine_steps():
    """The exact ranges cover the image's moves and its affine maps
    (x - mean, (x - mean) / std), not what is no longer affine in a pixel
    (a constant divided by the image, a product of two images)."""
    from onnx import TensorProto, helper
    from mmddad.deploy.int8_quantization import _pixelwise_tensors
    const = helper.make_tensor('c', TensorProto.FLOAT, [1], [2.0])
    nodes = [
        helper.make_node('Sub', ['image', 'c'], ['centred']),
        helper.make_node('Div', ['centred', 'c'], ['normalised']),
        helper.make_node('Div', ['c', 'image'], ['inverse']),
        helper.make_node('Mul', ['image', 'image'], ['square']),
        helper.make_node('Transpose', ['normalised'], ['moved']),
    ]
    image = helper.make_tensor_value_info('image', TensorProto.FLOAT, None)
    outs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, None)
            for n in ('inverse', 'square', 'moved')]
    model = helper.make_model(
        helper.make_graph(nodes, 'g', [image], outs, initializer=[const]))
    assert _pixelwise_tensors(model) == {
        'image', 'centred', 'normalised', 'moved'}
