"""Multi-process training without GPUs: mmengine's launchers call ``torch.cuda.set_device`` unconditionally, so no
multi-process run can start on a machine without GPUs. On such a machine :func:`init_distributed` starts the
process group with gloo, from the same torchrun / SLURM environment, before the Runner is built (the Runner then
skips its own ``init_dist``), and wraps the model in :class:`CPUDistributedDataParallel`; with GPUs nothing changes
and mmengine starts NCCL itself.
"""
import datetime
import os
import subprocess

import torch
from mmengine.logging import MMLogger
from mmengine.model import MMDistributedDataParallel, revert_sync_batchnorm
from mmengine.registry import MODEL_WRAPPERS

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


@MODEL_WRAPPERS.register_module()
class CPUDistributedDataParallel(MMDistributedDataParallel):
    """mmengine's DDP wrapper for gloo process groups on CPUs. SyncBatchNorm works only on GPUs (the toolboxes'
    ADE20K heads and Cascade box heads use it), so its layers become BatchNorm first, as mmengine does for
    single-process runs, and the log says so once: statistics are then per process, not synchronised."""

    def __init__(self, module, **kwargs):
        if any(isinstance(m, torch.nn.SyncBatchNorm) for m in module.modules()):
            module = revert_sync_batchnorm(module)
            MMLogger.get_current_instance().warning(
                'SyncBatchNorm needs GPUs: on this CPU run its layers are BatchNorm, each process normalising with '
                'its own batch statistics (as a single-process run does).')
        super().__init__(module=module, **kwargs)


def init_distributed(cfg) -> None:
    """Start the process group of ``cfg.launcher`` on a machine without GPUs (gloo); on GPUs leave it to mmengine.

    The configs' ``env_cfg.dist_cfg.backend`` is NCCL (what the toolboxes ship); without GPUs it becomes gloo and
    the DDP wrapper (:class:`CPUDistributedDataParallel`) gets ``device_ids=None`` (mmengine passes the local rank as
    a CUDA device).
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
        cfg.model_wrapper_cfg = dict(type='CPUDistributedDataParallel', device_ids=None, broadcast_buffers=False,
                                     find_unused_parameters=cfg.get('find_unused_parameters', False))
