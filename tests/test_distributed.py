# Copyright (c) mmddad contributors. All rights reserved.
"""DDP on CPU with the gloo backend, two real processes."""
import json
import os
import shutil
import os.path as osp
import socket
import subprocess

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from .conftest import EMBEDDED_DDAD, REPO_ROOT, STUDENT_RECIPE, TEACHER_RECIPE

WORLD = 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _flat(module: torch.nn.Module) -> torch.Tensor:
    return torch.cat([p.detach().flatten() for p in module.parameters()])


def _gather(t: torch.Tensor) -> list:
    out = [torch.zeros_like(t) for _ in range(WORLD)]
    dist.all_gather(out, t)
    return out


def _worker(rank: int, port: int, teacher_checkpoint: str, out_dir: str,
            channels_last: bool = False):
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port),
                      RANK=str(rank), WORLD_SIZE=str(WORLD),
                      LOCAL_RANK=str(rank))
    torch.set_num_threads(1)
    dist.init_process_group('gloo', rank=rank, world_size=WORLD)
    from mmengine.optim import OptimWrapper, OptimWrapperDict

    from mmddad.engine import LatentStream
    from mmddad.models import BNStatisticsLoss, DataFreeDistributedDataParallel
    from mmddad.registry import MODELS

    torch.manual_seed(0)  # same initialisation on every rank, as the runner
    model = MODELS.build(
        dict(
            type='DDAD',
            teacher=dict(cfg_path=TEACHER_RECIPE,
                         checkpoint=teacher_checkpoint),
            student=dict(cfg_path=STUDENT_RECIPE),
            generator=dict(type='DCGANGenerator', latent_dim=16, out_size=32,
                           out_channels=1, base_channels=16),
            generator_losses=dict(
                loss_bn=dict(type='BNStatisticsLoss', global_batch=True),
                loss_adv=dict(type='AdversarialLoss')),
            student_steps=2,
            channels_last=channels_last))
    model.init_weights()
    # the runner passes device_ids; on CPU they must be dropped
    wrapped = DataFreeDistributedDataParallel(model, device_ids=[rank])
    wrapped.train()
    optim = OptimWrapperDict(
        student=OptimWrapper(torch.optim.SGD(
            model.student.parameters(), lr=0.05, momentum=0.9)),
        generator=OptimWrapper(torch.optim.Adam(
            model.generator.parameters(), lr=1e-3)))
    stream = LatentStream(batch_size=8, num_iters=3)
    result = dict(identical=[], finite=[])
    for it in range(3):
        logs = wrapped.train_step(stream.batch(it, seed=0), optim)
        result['finite'].append(all(bool(torch.isfinite(v)) for v in
                                    logs.values()))
        for part in (model.student, model.generator):
            gathered = _gather(_flat(part))
            result['identical'].append(
                all(torch.equal(gathered[0], g) for g in gathered))
    # the layout a config asked for survives DDP's broadcast and reduction
    result['channels_last'] = all(
        p.is_contiguous(memory_format=torch.channels_last)
        for part in (model.student, model.generator)
        for p in part.parameters() if p.dim() == 4)
    # every rank draws its own latents
    z = model.sample_latents(4, stream.batch(0, seed=0)['rng'])
    zs = _gather(z)
    result['latents_differ'] = not torch.equal(zs[0], zs[1])
    # global-batch BN statistics == one process on the concatenated batch
    gen = torch.Generator().manual_seed(100 + rank)
    x = torch.randn(4, 1, 32, 32, generator=gen) * (1 + rank) + rank
    teacher = model.teacher
    global_loss = BNStatisticsLoss(global_batch=True)
    global_loss.attach(teacher)
    with torch.no_grad(), global_loss.recording():
        teacher(x, mode='tensor')
    value_global = global_loss.loss().item()
    global_loss.detach()
    local = BNStatisticsLoss()
    local.attach(teacher)
    with torch.no_grad(), local.recording():
        teacher(torch.cat(_gather(x)), mode='tensor')
    value_single = local.loss().item()
    with torch.no_grad(), local.recording():
        teacher(x, mode='tensor')
    value_local = local.loss().item()
    result.update(global_loss=value_global, single=value_single,
                  local=value_local)
    with open(osp.join(out_dir, f'rank{rank}.json'), 'w') as f:
        json.dump(result, f)
    dist.destroy_process_group()


@pytest.mark.parametrize('channels_last', [False, True])
def test_two_gloo_processes(tmp_path, teacher_checkpoint, channels_last):
    mp.spawn(_worker,
             args=(_free_port(), teacher_checkpoint, str(tmp_path),
                   channels_last),
             nprocs=WORLD, join=True)
    for rank in range(WORLD):
        with open(tmp_path / f'rank{rank}.json') as f:
            r = json.load(f)
        assert all(r['finite'])
        assert all(r['identical']), r['identical']  # after every step
        assert r['channels_last'] == channels_last
        assert r['latents_differ']
        assert abs(r['global_loss'] - r['single']) < 1e-4 * r['single']
        assert abs(r['local'] - r['single']) > 1e-3 * r['single']


@pytest.mark.slow
def test_dist_train_sh_with_gloo(tmp_path, teacher_checkpoint):
    env = dict(os.environ, PORT=str(_free_port()), OMP_NUM_THREADS='1',
               PYTHONPATH=REPO_ROOT)
    work = str(tmp_path / 'dist')
    proc = subprocess.run(
        ['bash', 'tools/dist_train.sh', EMBEDDED_DDAD, str(WORLD),
         '--work-dir', work, '--cfg-options',
         f'model.teacher.checkpoint={teacher_checkpoint}',
         'env_cfg.dist_cfg.backend=gloo', 'train_cfg.max_iters=2',
         'train_cfg.val_interval=2', 'train_dataloader.batch_size=4',
         'val_dataloader.dataset.indices=20', 'model.student_steps=1',
         'default_hooks.checkpoint.interval=2'],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-4000:]
    assert 'Distributed training: True' in log
    assert osp.isfile(osp.join(work, 'iter_2.pth'))
    assert 'accuracy/top1' in log


def _dist_train(work: str, teacher_checkpoint: str, *extra: str,
                resume: bool = False, config: str = EMBEDDED_DDAD) -> str:
    """Run tools/dist_train.sh with 2 gloo ranks; return its log."""
    env = dict(os.environ, PORT=str(_free_port()), OMP_NUM_THREADS='1',
               PYTHONPATH=REPO_ROOT)
    proc = subprocess.run(
        ['bash', 'tools/dist_train.sh', config, str(WORLD),
         '--work-dir', work] + (['--resume'] if resume else []) +
        ['--cfg-options', f'model.teacher.checkpoint={teacher_checkpoint}',
         'env_cfg.dist_cfg.backend=gloo', 'train_cfg.val_interval=1000',
         'train_dataloader.batch_size=4', 'model.student_steps=2',
         'model.generator.base_channels=16', 'param_scheduler.end=4',
         'param_scheduler.milestone_ratios=[0.25,0.75]',
         'default_hooks.checkpoint.interval=2', *extra],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-4000:]
    return log


#: the bank recipe of the CIFAR-10 folder config, small: every image kept,
#: every student batch drawn from it, cropped, flipped and relabelled
BANK_RELABEL = ('model.replay.capacity=200', 'model.replay.ratio=1.0',
                'model.augment.type=SyntheticAugmentation',
                'model.augment.padding=2', 'model.augment.flip_prob=0.5',
                'model.augment.relabel=True')


@pytest.mark.slow
@pytest.mark.parametrize('replay', [
    ('model.replay.capacity=20', 'model.replay.ratio=0.5'), BANK_RELABEL
], ids=['ring', 'bank-relabel'])
def test_two_rank_resume_is_bit_identical(tmp_path, teacher_checkpoint,
                                          replay):
    """2 gloo ranks: 4 iterations straight == 2, stop, resume, 2 more, with
    the replay buffer on (the ranks share its contents, so the checkpoint of
    rank 0 restores both); with the bank recipe the augmentation's draws
    and the teacher's labels of the augmented batches repeat too."""
    straight, resumed = str(tmp_path / 'straight'), str(tmp_path / 'resumed')
    _dist_train(straight, teacher_checkpoint, 'train_cfg.max_iters=4',
                *replay)
    _dist_train(resumed, teacher_checkpoint, 'train_cfg.max_iters=2',
                *replay)
    log = _dist_train(resumed, teacher_checkpoint, 'train_cfg.max_iters=4',
                      *replay, resume=True)
    assert 'resumed epoch: 0, iter: 2' in log
    # the DDP wrappers' `module.` is not in the keys: before, MMEngine's
    # loader (which unwraps DDP) matched none of them and resumed nothing
    assert 'do not match' not in log
    a = torch.load(osp.join(straight, 'iter_4.pth'), weights_only=False)
    b = torch.load(osp.join(resumed, 'iter_4.pth'), weights_only=False)
    assert not any('.module.' in k for k in a['state_dict'])
    num_added = int(a['state_dict']['replay.num_added'])
    if replay is BANK_RELABEL:
        # both ranks' images went in (4 generator steps and the first
        # student batch, generated before the bank held one: 5 x 4 images x
        # 2 ranks), and no logits: relabelling reached the model
        assert num_added == 5 * 4 * 2
        assert 'replay.logits' not in a['state_dict']
    else:
        # the buffer wrapped around before the end (both ranks' samples)
        assert num_added > 20
    assert a['state_dict'].keys() == b['state_dict'].keys()
    for key, value in a['state_dict'].items():
        assert torch.equal(value, b['state_dict'][key]), key
    # the weight average (embedded config) resumed too, DDP-wrapped
    assert a['ema_state_dict'].keys() == b['ema_state_dict'].keys()
    for key, value in a['ema_state_dict'].items():
        assert torch.equal(value, b['ema_state_dict'][key]), key
    for name in ('student', 'generator'):
        sa, sb = a['optimizer'][name]['state'], b['optimizer'][name]['state']
        assert sa.keys() == sb.keys()
        for idx in sa:
            for k, v in sa[idx].items():
                assert torch.equal(torch.as_tensor(v),
                                   torch.as_tensor(sb[idx][k])), (name, k)


@pytest.mark.slow
def test_two_rank_resume_with_a_plain_pytorch_student(tmp_path,
                                                      teacher_checkpoint):
    """A TorchClassifier student (the user's own nn.Module) under DDP: 2
    gloo ranks, 3 iterations straight == 2, stop, resume, 1 more."""
    from .test_torch_classifier import GRAY, USER_FILE
    user_file = tmp_path / 'tiny_models.py'
    user_file.write_text(USER_FILE)
    config = tmp_path / 'plain_student.py'
    config.write_text(
        f"_base_ = [{EMBEDDED_DDAD!r}]\n"
        "model = dict(student=dict(_delete_=True, type='TorchClassifier', "
        f"factory='{user_file}:tinynet', factory_kwargs=dict(width=8), "
        f"data_preprocessor={GRAY!r}))\n")
    straight, resumed = str(tmp_path / 'straight'), str(tmp_path / 'resumed')
    _dist_train(straight, teacher_checkpoint, 'train_cfg.max_iters=3',
                config=str(config))
    # resume the straight run's iteration-2 checkpoint in another folder
    os.makedirs(resumed)
    shutil.copy(osp.join(straight, 'iter_2.pth'), resumed)
    with open(osp.join(resumed, 'last_checkpoint'), 'w') as f:
        f.write(osp.join(resumed, 'iter_2.pth'))
    log = _dist_train(resumed, teacher_checkpoint, 'train_cfg.max_iters=3',
                      resume=True, config=str(config))
    assert 'resumed epoch: 0, iter: 2' in log
    a = torch.load(osp.join(straight, 'iter_3.pth'), weights_only=False)
    b = torch.load(osp.join(resumed, 'iter_3.pth'), weights_only=False)
    # the user's own keys, no DDP or wrapper prefix
    assert 'student.conv1.weight' in a['state_dict']
    assert a['state_dict'].keys() == b['state_dict'].keys()
    for key, value in a['state_dict'].items():
        assert torch.equal(value, b['state_dict'][key]), key
