"""What the project's tools add to mmengine's runner, and why mmengine alone does not do it.

- :func:`init_distributed`: mmengine's launchers call ``torch.cuda.set_device`` unconditionally, so no
  multi-process run can start on a machine without GPUs. On such a machine the process group is started here
  with gloo, from the same torchrun / SLURM environment, before the Runner is built (the Runner then skips its
  own ``init_dist``); with GPUs nothing changes and mmengine starts NCCL itself.
- :class:`AtomicCheckpointHook`: mmengine's CheckpointHook deletes the oldest checkpoint *before* writing the
  new one, writes it in place and then rewrites ``last_checkpoint`` in place, so a kill during a save can leave
  no loadable checkpoint. This one writes to a temporary name, renames, then updates ``last_checkpoint`` the
  same way, and deletes old checkpoints last.
- :class:`StepSeedHook`: mmengine seeds the random generators once per run, so a resumed run draws different
  random numbers (proposal sampling, DropPath, ...) from one that was never stopped. This hook reseeds them
  before every training iteration from (seed, iteration).
"""
import datetime
import os
import os.path as osp
import random
import subprocess
from glob import glob

import numpy as np
import torch
from mmengine.dist import is_main_process
from mmengine.fileio.backends import LocalBackend
from mmengine.hooks import CheckpointHook, Hook
from mmengine.registry import HOOKS

DEFAULT_PORT = '29500'


def _slurm_environment() -> None:
    """Translate SLURM's variables into torchrun's (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR/PORT), as mmengine's
    slurm launcher does."""
    node_list = os.environ['SLURM_NODELIST']
    os.environ['RANK'] = os.environ['SLURM_PROCID']
    os.environ['WORLD_SIZE'] = os.environ['SLURM_NTASKS']
    os.environ['LOCAL_RANK'] = os.environ.get('SLURM_LOCALID', '0')
    os.environ.setdefault('MASTER_PORT', DEFAULT_PORT)
    if 'MASTER_ADDR' not in os.environ:
        os.environ['MASTER_ADDR'] = subprocess.getoutput(f'scontrol show hostname {node_list} | head -n1')


def init_distributed(cfg) -> None:
    """Start the process group of ``cfg.launcher`` on a machine without GPUs (gloo); on GPUs leave it to mmengine.

    The configs' ``env_cfg.dist_cfg.backend`` is NCCL (what the toolboxes ship); without GPUs it becomes gloo and
    the DDP wrapper gets ``device_ids=None`` (mmengine passes the local rank as a CUDA device).
    """
    import torch.distributed as dist
    if cfg.launcher == 'none' or torch.cuda.is_available() or dist.is_initialized():
        return
    if cfg.launcher not in ('pytorch', 'slurm'):
        raise ValueError(f'--launcher {cfg.launcher} needs GPUs here; on a CPU machine use --launcher pytorch '
                         '(tools/dist_train.sh) or slurm (tools/slurm_train.sh)')
    env_cfg = cfg.setdefault('env_cfg', {})
    dist_cfg = dict(env_cfg.get('dist_cfg') or {})
    backend = dist_cfg.pop('backend', 'nccl')
    if backend == 'nccl':
        backend = 'gloo'
    if 'timeout' in dist_cfg:
        dist_cfg['timeout'] = datetime.timedelta(seconds=dist_cfg['timeout'])
    if cfg.launcher == 'slurm':
        _slurm_environment()
    dist.init_process_group(backend=backend, rank=int(os.environ['RANK']),
                            world_size=int(os.environ['WORLD_SIZE']), **dist_cfg)
    env_cfg['dist_cfg'] = dict(env_cfg.get('dist_cfg') or {}, backend=backend)
    if cfg.get('model_wrapper_cfg') is None:
        cfg.model_wrapper_cfg = dict(type='MMDistributedDataParallel', device_ids=None, broadcast_buffers=False,
                                     find_unused_parameters=cfg.get('find_unused_parameters', False))


def _replace_atomically(write, path: str) -> None:
    """``write(tmp_path)``, flush it to disk, then rename it to ``path``: readers see the old file or the new."""
    tmp = osp.join(osp.dirname(path), f'.{osp.basename(path)}.partial')
    write(tmp)
    with open(tmp, 'rb+') as f:
        os.fsync(f.fileno())
    os.replace(tmp, path)


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """mmengine's CheckpointHook (same arguments) whose saves a kill cannot corrupt: the new checkpoint is
    written under a temporary name and renamed, ``last_checkpoint`` is replaced the same way, and checkpoints
    beyond ``max_keep_ckpts`` are deleted only after both. Remote backends keep mmengine's own saving."""

    def before_train(self, runner) -> None:
        super().before_train(runner)
        if isinstance(self.file_backend, LocalBackend) and is_main_process():
            for stale in glob(osp.join(self.out_dir, '.*.partial')):  # left by a run killed while saving
                os.remove(stale)

    def _save_checkpoint_with_step(self, runner, step, meta):
        if not isinstance(self.file_backend, LocalBackend):
            return super()._save_checkpoint_with_step(runner, step, meta)
        expired = None
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids and self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                expired = self.keep_ckpt_ids.popleft()
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids', list(self.keep_ckpt_ids))
        filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir, filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)

        def write_checkpoint(tmp):
            runner.save_checkpoint(self.out_dir, osp.basename(tmp), save_optimizer=self.save_optimizer,
                                   save_param_scheduler=self.save_param_scheduler, meta=meta, by_epoch=self.by_epoch,
                                   backend_args=self.backend_args, **self.args)

        def write_pointer(tmp):
            with open(tmp, 'w') as f:
                f.write(self.last_ckpt)

        if not is_main_process():  # runner.save_checkpoint is rank 0's alone
            return
        _replace_atomically(write_checkpoint, self.last_ckpt)
        _replace_atomically(write_pointer, osp.join(runner.work_dir, 'last_checkpoint'))
        if expired is not None:
            old = self.file_backend.join_path(self.out_dir, self.filename_tmpl.format(expired))
            if self.file_backend.isfile(old):
                self.file_backend.remove(old)


@HOOKS.register_module()
class StepSeedHook(Hook):
    """Reseed ``random``, numpy and torch before every training iteration from (the run's seed, the iteration),
    so that a run resumed from a checkpoint draws the same random numbers as one that was never stopped.

    Data augmentation in dataloader workers is already reproducible (mmengine seeds workers, and a resumed
    iteration-based loop replays the sampler); with ``num_workers=0`` it runs in the main process and is not.
    """
    priority = 'VERY_HIGH'

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        rank = runner.rank if runner.cfg.get('randomness', {}).get('diff_rank_seed', False) else 0
        seed = int(np.random.SeedSequence([runner.seed, runner.iter, rank]).generate_state(1)[0])
        random.seed(seed)
        np.random.seed(seed)
        torch.manual_seed(seed)  # every CUDA device too


def make_resumable(cfg) -> None:
    """Swap the config's CheckpointHook for :class:`AtomicCheckpointHook` and add :class:`StepSeedHook`."""
    checkpoint = cfg.get('default_hooks', {}).get('checkpoint')
    if checkpoint is not None and checkpoint.get('type') in ('CheckpointHook', CheckpointHook):
        checkpoint.type = 'AtomicCheckpointHook'
    hooks = cfg.setdefault('custom_hooks', [])
    if not any(hook.get('type') in ('StepSeedHook', StepSeedHook) for hook in hooks):
        hooks.append(dict(type='StepSeedHook'))
