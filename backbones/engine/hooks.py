"""Runner hooks that make training safe to kill and resume, and why mmengine alone does not do it.

The configs name them (``default_hooks.checkpoint.type='AtomicCheckpointHook'``, ``custom_hooks=[dict(type=
'StepSeedHook')]``); ``import backbones`` registers them in mmengine's root HOOKS registry, so they work under this
project's tools and under mmdet's, mmseg's or mmpose's own ``tools/train.py`` alike.

- :class:`AtomicCheckpointHook`: mmengine's CheckpointHook deletes the oldest checkpoint *before* writing the
  new one, writes it in place and then rewrites ``last_checkpoint`` in place, so a kill during a save can leave
  no loadable checkpoint. This one writes to a temporary name, renames, then updates ``last_checkpoint`` the
  same way, and deletes old checkpoints last.
- :class:`StepSeedHook`: mmengine seeds the random generators once per run, so a resumed run draws different
  random numbers (proposal sampling, DropPath, ...) from one that was never stopped. This hook reseeds them
  before every training iteration from (seed, iteration).
"""
import os
import os.path as osp
import random
from glob import glob

import numpy as np
import torch
from mmengine.dist import is_main_process
from mmengine.fileio.backends import LocalBackend
from mmengine.hooks import CheckpointHook, Hook
from mmengine.registry import HOOKS


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
