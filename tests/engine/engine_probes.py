"""Imported (``custom_imports``) by the training runs of tests/engine/test_engine.py, never by the product.

- ``RankRecordHook`` saves, per rank, the loss, torch seed and image files of every iteration, the final
  parameters and the runner's hooks: what the tests compare between ranks, between a 2-process and a 1-process run, and check of
  runs started by another toolbox's train script. (Buffers, the BatchNorm running
  statistics, are each rank's own under mmengine's DDP settings, broadcast_buffers=False; rank 0's are saved.)
- With ``KILL_DURING_SAVE=<text>`` set, the first local file write whose path contains <text> writes half of
  its bytes and then SIGKILLs its process group (the run and its dataloader workers, as a scheduler would):
  a kill in the middle of a checkpoint save, at a known moment. Start such a run in a session of its own.
"""
import os
import signal

import torch
from mmengine.dist import get_rank
from mmengine.fileio.backends import LocalBackend
from mmengine.hooks import CheckpointHook, Hook
from mmengine.registry import HOOKS


@HOOKS.register_module()
class RankRecordHook(Hook):

    def before_run(self, runner):
        self.losses, self.torch_seeds, self.images = [], [], []

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.losses.append(float(outputs['loss']))
        self.torch_seeds.append(torch.initial_seed())
        self.images.append([os.path.basename(s.img_path) for s in data_batch['data_samples']])

    def after_run(self, runner):
        model = runner.model.module if hasattr(runner.model, 'module') else runner.model
        checkpoint = [type(h).__name__ for h in runner.hooks if isinstance(h, CheckpointHook)]
        hooks = dict(checkpoint=checkpoint[0] if checkpoint else None, all=[type(h).__name__ for h in runner.hooks])
        torch.save(dict(losses=self.losses, torch_seeds=self.torch_seeds, images=self.images, seed=runner.seed,
                        hooks=hooks,
                        parameters=dict(model.named_parameters())),
                   os.path.join(runner.work_dir, f'rank{get_rank()}.pth'))


_KILL_AT = os.environ.get('KILL_DURING_SAVE')
if _KILL_AT:
    _put = LocalBackend.put

    def _put_then_die(self, obj, filepath):
        if _KILL_AT in str(filepath):
            with open(filepath, 'wb') as f:
                f.write(obj[:len(obj) // 2])
                f.flush()
            os.killpg(os.getpgrp(), signal.SIGKILL)
        return _put(self, obj, filepath)

    LocalBackend.put = _put_then_die
