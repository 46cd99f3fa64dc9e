"""Multi-process training without GPUs: mmengine's launchers call ``torch.cuda.set_device`` unconditionally, so no
multi-process run can start on a machine without GPUs. On such a machine :func:`init_distributed` starts the
process group with gloo, from the same torchrun / SLURM environment, before the Runner is built (the Runner then
skips its own ``init_dist``); with GPUs nothing changes and mmengine starts NCCL itself.
"""
import datetime
import os
import subprocess

import torch

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
