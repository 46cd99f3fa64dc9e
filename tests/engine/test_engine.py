"""Training as a user runs it (tools/train.py, tools/dist_train.sh, mmdet's own tools/train.py, in subprocesses) on
the toy detection config: 2-process CPU (gloo) DDP, SIGKILL and resume, a kill during a checkpoint save,
determinism, the configs' own hooks."""
import json
import os
import os.path as osp
import signal
import subprocess
import sys
import time
from glob import glob

import pytest
import torch
from mmengine.config import Config

from helpers import ROOT, free_port

sys.path.insert(0, osp.join(ROOT, 'tools'))
from make_toy_coco import write_split  # noqa: E402

TOY = osp.join(ROOT, 'configs/det/uniformer/mask-rcnn_uniformer-toy_fpn_1x_toy-coco.py')


@pytest.fixture(scope='module')
def toy_coco(tmp_path_factory):
    root = tmp_path_factory.mktemp('toy_coco')
    write_split(str(root), 'train', 8, 128, seed=0)
    write_split(str(root), 'val', 2, 128, seed=1)
    return str(root) + '/'


def _config(toy_root, tmp_path, batch_size=2, checkpoint_interval=2, max_keep_ckpts=5):
    """The toy detection config on the test's data at 128 px, with the per-rank recorder of engine_probes."""
    cfg = Config.fromfile(TOY)
    for split in ('train', 'val', 'test'):
        cfg[f'{split}_dataloader'].dataset.data_root = toy_root
        for step in cfg[f'{split}_dataloader'].dataset.pipeline:
            if step['type'] == 'Resize':
                step['scale'] = (128, 128)
    cfg.val_evaluator.ann_file = toy_root + 'annotations/instances_val.json'
    cfg.test_evaluator = cfg.val_evaluator
    cfg.train_dataloader.batch_size = batch_size
    cfg.train_cfg.val_interval = 1000
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint.update(interval=checkpoint_interval, max_keep_ckpts=max_keep_ckpts)
    cfg.custom_imports.imports.append('engine_probes')
    cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + [dict(type='RankRecordHook')]
    path = str(tmp_path / f'toy_bs{batch_size}.py')
    cfg.dump(path)
    return path


def _env(**extra):
    return dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT, osp.join(ROOT, 'tests', 'engine')]), **extra)


def _train(config, work_dir, max_iters, *options):
    return [sys.executable, osp.join(ROOT, 'tools/train.py'), config, '--work-dir', str(work_dir), *options,
            '--cfg-options', f'train_cfg.max_iters={max_iters}']


def _run(cmd, cwd, **env):
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=str(cwd), env=_env(**env), timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    return done


def _logged_losses(work_dir):
    """The loss of every iteration in mmengine's scalars.json, across the run's (and its resumes') logs."""
    losses = {}
    for path in sorted(glob(osp.join(str(work_dir), '*', 'vis_data', 'scalars.json'))):
        for line in open(path):
            record = json.loads(line)
            if 'loss' in record:
                losses[record['iter']] = record['loss']
    return [losses[i] for i in sorted(losses)]


def _assert_same_weights(a, b):
    assert a.keys() == b.keys()
    different = [k for k in a if not torch.equal(a[k], b[k])]
    assert not different, f'{len(different)} tensors differ, e.g. {different[:3]}'


def test_two_cpu_processes_train_like_one_with_the_same_total_batch(toy_coco, tmp_path):
    iters = 16
    port = free_port()
    _run(['bash', osp.join(ROOT, 'tools/dist_train.sh'), _config(toy_coco, tmp_path, batch_size=2), '2',
          '--work-dir', str(tmp_path / 'ddp'), '--cfg-options', f'train_cfg.max_iters={iters}'], tmp_path, PORT=port)
    _run(_train(_config(toy_coco, tmp_path, batch_size=4), tmp_path / 'single', iters), tmp_path)

    rank0, rank1 = (torch.load(tmp_path / 'ddp' / f'rank{r}.pth') for r in (0, 1))
    _assert_same_weights(rank0['parameters'], rank1['parameters'])
    one = torch.load(tmp_path / 'single' / 'rank0.pth')
    # every step, the two ranks read different halves of the single process's batch (the sampler splits one
    # shuffled stream between the ranks)
    for step, (a, b, whole) in enumerate(zip(rank0['images'], rank1['images'], one['images'])):
        assert len(a) == len(b) == 2 and not set(a) & set(b) and sorted(a + b) == sorted(whole), (step, a, b, whole)
    ddp = [(a + b) / 2 for a, b in zip(rank0['losses'], rank1['losses'])]  # the loss of the whole batch of 4
    single = one['losses']
    assert len(ddp) == len(single) == len(one['images']) == iters
    # same initial weights, same images in every step; only flips, BatchNorm batches and per-rank loss
    # normalisation differ
    relative = [abs(a - b) / b for a, b in zip(ddp, single)]
    assert relative[0] < 0.05, relative
    assert sum(relative) / iters < 0.1, relative
    assert single[-1] < 0.8 * single[0] and ddp[-1] < 0.8 * ddp[0]  # both learn


def test_sigkilled_run_resumes_to_the_weights_of_an_uninterrupted_run(toy_coco, tmp_path):
    config, iters = _config(toy_coco, tmp_path), 8
    _run(_train(config, tmp_path / 'whole', iters), tmp_path)

    killed = tmp_path / 'killed'
    run = subprocess.Popen(_train(config, killed, iters), cwd=str(tmp_path), env=_env(), start_new_session=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pointer = killed / 'last_checkpoint'
    while run.poll() is None and not (pointer.exists() and pointer.read_text().endswith('iter_4.pth')):
        time.sleep(0.02)
    os.killpg(run.pid, signal.SIGKILL)  # the run and its dataloader workers, as a scheduler does
    assert run.wait() == -signal.SIGKILL, 'the run ended before it could be killed'
    assert not (killed / f'iter_{iters}.pth').exists()

    _run(_train(config, killed, iters, '--resume'), tmp_path)
    from backbones.checkpoint import load_checkpoint_file
    whole = load_checkpoint_file(str(tmp_path / 'whole' / f'iter_{iters}.pth'))['state_dict']
    _assert_same_weights(whole, load_checkpoint_file(str(killed / f'iter_{iters}.pth'))['state_dict'])
    assert _logged_losses(killed) == _logged_losses(tmp_path / 'whole')


def test_kill_during_a_checkpoint_save_leaves_the_previous_one_loadable(toy_coco, tmp_path):
    from backbones.checkpoint import load_checkpoint_file
    config = _config(toy_coco, tmp_path, max_keep_ckpts=1)
    run = subprocess.run(_train(config, tmp_path, 6), capture_output=True, text=True, cwd=str(tmp_path),
                         env=_env(KILL_DURING_SAVE='iter_4'), start_new_session=True, timeout=600)
    assert run.returncode == -signal.SIGKILL, run.stderr[-3000:]
    last = (tmp_path / 'last_checkpoint').read_text()
    assert last.endswith('iter_2.pth')
    assert load_checkpoint_file(last)['meta']['iter'] == 2
    assert not (tmp_path / 'iter_4.pth').exists()  # the half-written file never took the real name

    _run(_train(config, tmp_path, 6, '--resume'), tmp_path)
    assert (tmp_path / 'last_checkpoint').read_text().endswith('iter_6.pth')
    assert sorted(osp.basename(p) for p in glob(str(tmp_path / '*.pth'))) == ['iter_6.pth', 'rank0.pth']
    assert not glob(str(tmp_path / '.*.partial'))


def test_deterministic_runs_with_one_seed_repeat_their_losses(toy_coco, tmp_path):
    config = _config(toy_coco, tmp_path)
    for name in ('a', 'b'):
        _run(_train(config, tmp_path / name, 3, '--seed', '7', '--deterministic'), tmp_path)
    assert _logged_losses(tmp_path / 'a') == _logged_losses(tmp_path / 'b')
    assert len(_logged_losses(tmp_path / 'a')) == 3


def test_slurm_script_trains_on_cpu_nodes(toy_coco, tmp_path):
    """tools/slurm_train.sh with GRES= as on CPU nodes, under stand-ins for srun / scontrol (no SLURM here) that
    start --ntasks local processes with the variables SLURM gives each task."""
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    (bin_dir / 'scontrol').write_text('#!/bin/sh\necho 127.0.0.1\n')
    (bin_dir / 'srun').write_text(
        '#!/usr/bin/env bash\n'
        'while [[ $1 == -* ]]; do case $1 in --ntasks=*) N=${1#*=};; -p) shift;; esac; shift; done\n'
        'for ((i = 0; i < N; i++)); do\n'
        '  SLURM_PROCID=$i SLURM_LOCALID=$i SLURM_NTASKS=$N SLURM_NODELIST=node1 "$@" & pids+=($!)\n'
        'done\n'
        'for p in "${pids[@]}"; do wait $p || exit 1; done\n')
    for tool in ('srun', 'scontrol'):
        (bin_dir / tool).chmod(0o755)
    _run(['bash', osp.join(ROOT, 'tools/slurm_train.sh'), 'cpu', 'toy', _config(toy_coco, tmp_path),
          str(tmp_path / 'work'), '--cfg-options', 'train_cfg.max_iters=2'], tmp_path,
         GRES='', GPUS='2', GPUS_PER_NODE='2', MASTER_PORT=free_port(),
         PATH=f'{bin_dir}{os.pathsep}{os.environ["PATH"]}')
    rank0, rank1 = (torch.load(tmp_path / 'work' / f'rank{r}.pth') for r in (0, 1))
    _assert_same_weights(rank0['parameters'], rank1['parameters'])
    log = open(glob(str(tmp_path / 'work' / '*' / '*.log'))[0]).read()
    assert 'Distributed launcher: slurm' in log and "dist_cfg: {'backend': 'gloo'}" in log


def test_mmdet_own_train_script_runs_the_configs_hooks(toy_coco, tmp_path):
    """The config names AtomicCheckpointHook and StepSeedHook, so mmdet's own tools/train.py (installed with mmdet)
    saves through the atomic hook and reseeds every iteration, as this project's tools/train.py does."""
    import mmdet
    import numpy as np
    script = osp.join(osp.dirname(mmdet.__file__), '.mim', 'tools', 'train.py')
    iters = 3
    _run([sys.executable, script, _config(toy_coco, tmp_path), '--work-dir', str(tmp_path / 'work'),
          '--cfg-options', f'train_cfg.max_iters={iters}'], tmp_path)
    record = torch.load(tmp_path / 'work' / 'rank0.pth')
    assert record['hooks']['checkpoint'] == 'AtomicCheckpointHook'
    assert 'StepSeedHook' in record['hooks']['all']
    seed = record['seed']
    expected = [int(np.random.SeedSequence([seed, i, 0]).generate_state(1)[0]) for i in range(iters)]
    assert record['torch_seeds'] == expected
    assert (tmp_path / 'work' / 'last_checkpoint').read_text().endswith(f'iter_{iters}.pth')
    assert not glob(str(tmp_path / 'work' / '.*.partial'))


SYNCBN_CONFIGS = {  # real configs with SyncBN (mmseg's heads; the official Cascade box heads), on toy data
    'seg': 'configs/seg/uniformer/upernet_uniformer-s_8xb2-160k_ade20k-512x512.py',
    'det': 'configs/det/uniformer/cascade-mask-rcnn_uniformer-s-h14_fpn_ms-crop-3x_coco.py',
}


def _syncbn_config_on_toy_data(task, toy_root, tmp_path):
    """The published config with its SyncBN, two iterations on the toy data, CPU-sized images, nothing pretrained."""
    from helpers import shrink
    cfg = Config.fromfile(osp.join(ROOT, SYNCBN_CONFIGS[task]))
    assert 'SyncBN' in cfg.pretty_text
    cfg.model.backbone.init_cfg = None
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=2, val_interval=1000)
    cfg.param_scheduler = []
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', by_epoch=False, interval=2)
    cfg.train_dataloader.batch_size = 2
    cfg.train_dataloader.num_workers = 0
    cfg.train_dataloader.pop('persistent_workers', None)
    ds = cfg.train_dataloader.dataset
    if task == 'seg':
        cfg.model.data_preprocessor.update(size=None, size_divisor=32)
        ds.update(type='BaseSegDataset', data_root=toy_root, img_suffix='.jpg', seg_map_suffix='.png',
                  reduce_zero_label=True, metainfo=dict(classes=('sky', 'wall', 'floor', 'tree', 'water')),
                  data_prefix=dict(img_path='images/training', seg_map_path='annotations/training'))
    else:
        cfg.model.train_cfg.rpn_proposal.update(nms_pre=200, max_per_img=100)
        ds.update(data_root=toy_root, metainfo=dict(classes=('square', 'circle', 'triangle')),
                  ann_file='annotations/instances_train.json', data_prefix=dict(img='train/'))
    ds.pipeline = shrink(ds.pipeline)
    for key in ('val_dataloader', 'test_dataloader', 'val_cfg', 'test_cfg', 'val_evaluator', 'test_evaluator'):
        cfg[key] = None
    path = str(tmp_path / f'{task}_syncbn.py')
    cfg.dump(path)
    return path


def test_syncbn_config_trains_on_two_cpu_processes(toy_ade, tmp_path):
    """torch's DDP refuses SyncBN without GPUs: the CPU wrapper makes it BatchNorm and the run says so once."""
    config = _syncbn_config_on_toy_data('seg', toy_ade, tmp_path)
    done = _run(['bash', osp.join(ROOT, 'tools/dist_train.sh'), config, '2', '--work-dir', str(tmp_path / 'run')],
                tmp_path, PORT=free_port())
    assert (tmp_path / 'run' / 'iter_2.pth').exists()
    assert (done.stdout + done.stderr).count('SyncBatchNorm needs GPUs') == 1  # said once (rank 0 logs)


def test_cascade_syncbn_heads_train_under_the_cpu_wrapper(toy_coco, tmp_path):
    """The Cascade config's SyncBN box heads, wrapped as init_distributed wraps on CPUs, in a one-process gloo
    group (the two-process launch is tested above): one training step."""
    import torch.distributed as dist
    from mmengine.dataset import pseudo_collate
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import DefaultScope
    from mmdet.registry import DATASETS, MODELS
    from backbones.engine.dist import CPUDistributedDataParallel
    cfg = Config.fromfile(_syncbn_config_on_toy_data('det', toy_coco, tmp_path))
    with DefaultScope.overwrite_default_scope('mmdet'):
        model = MODELS.build(cfg.model)
        dataset = DATASETS.build(cfg.train_dataloader.dataset)
    assert any(isinstance(m, torch.nn.SyncBatchNorm) for m in model.modules())
    dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{free_port()}', rank=0, world_size=1)
    try:
        ddp = CPUDistributedDataParallel(model, device_ids=None)
        assert not any(isinstance(m, torch.nn.SyncBatchNorm) for m in ddp.modules())
        losses = ddp.train_step(pseudo_collate([dataset[0], dataset[1]]), build_optim_wrapper(ddp, cfg.optim_wrapper))
        assert all(torch.isfinite(v) for v in losses.values())
    finally:
        dist.destroy_process_group()
