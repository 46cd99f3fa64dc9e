"""The tools' checks of what a config needs on disk, as a user meets them; ``--auto-scale-lr``."""
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch

from helpers import ROOT, free_port


@pytest.mark.parametrize('config,checkpoint', [
    ('det/uniformer/mask-rcnn_uniformer-s-h14_fpn_1x_coco.py', 'pretrained/uniformer_small_in1k.pth'),
    ('seg/uniformer/fpn_uniformer-xs_8xb4-80k_ade20k-512x512.py', 'pretrained/uniformer_xs_224_in1k.pth'),
    ('pose/uniformer/td-hm_uniformer-b_8xb128-210e_coco-256x192.py', 'pretrained/uniformer_base_in1k.pth'),
    ('det/uniformer_maskrcnn_3x.py', 'pretrained/uniformer_small_in1k.pth'),  # an alias at the promised path
])
def test_missing_pretrained_checkpoint_names_the_file_and_where_to_get_it(config, checkpoint, tmp_path, monkeypatch):
    from backbones.cli.config import check_pretrained, load_config
    monkeypatch.chdir(tmp_path)
    path = osp.join(ROOT, 'configs', config)
    cfg = load_config(path)
    with pytest.raises(FileNotFoundError) as error:
        check_pretrained(cfg, path)
    message = str(error.value)
    assert f'Pretrained checkpoint not found: {checkpoint}' in message
    readme = osp.join(osp.dirname(path), 'README.md')
    if not osp.exists(readme):  # an alias: the README of the family folder it points into
        readme = osp.join(osp.dirname(path), 'uniformer', 'README.md')
    assert f'"Checkpoints" in {readme}' in message and 'model.backbone.init_cfg=None' in message
    with open(readme) as f:
        assert osp.basename(checkpoint) in f.read()  # the README does name the file
    cfg.model.backbone.init_cfg = None
    check_pretrained(cfg, path)  # from scratch: nothing to check


POSE_TOY = osp.join(ROOT, 'configs/pose/uniformer/td-hm_uniformer-toy_1xb32-40e_toy-kpt-128x96.py')
SEG_TOY = osp.join(ROOT, 'configs/seg/uniformer/fpn_uniformer-toy_1xb8-800_toy-ade-256x256.py')


def _train(config, work_dir, cwd, *options, processes=1):
    if processes == 1:
        cmd = [sys.executable, osp.join(ROOT, 'tools/train.py'), config]
    else:
        cmd = ['bash', osp.join(ROOT, 'tools/dist_train.sh'), config, str(processes)]
    return subprocess.run(cmd + ['--work-dir', str(work_dir), *options], capture_output=True, text=True,
                          cwd=str(cwd), timeout=300, env=dict(os.environ, OMP_NUM_THREADS='1', PORT=free_port()))


@pytest.mark.parametrize('processes', [1, 2])
def test_auto_scale_lr_trains_with_the_lr_scaled_by_the_real_batch(processes, toy_kpt, tmp_path):
    from mmengine.config import Config
    cfg = Config.fromfile(POSE_TOY)
    batch, base = 2, cfg.auto_scale_lr.base_batch_size  # the config's own base batch (1024)
    options = [f'{split}_dataloader.dataset.data_root={toy_kpt}' for split in ('train', 'val', 'test')]
    options += [f'val_evaluator.ann_file={toy_kpt}annotations/person_keypoints_val.json',
                f'train_dataloader.batch_size={batch}', 'train_cfg.max_epochs=1']  # 4 images: 1 epoch, 1-2 steps
    done = _train(POSE_TOY, tmp_path / 'work', tmp_path, '--auto-scale-lr', '--cfg-options', *options,
                  processes=processes)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    ratio = processes * batch / base  # the real batch: every process's
    assert f'the current batch size is {processes * batch}. Scaling the original LR by {ratio}.' in \
        done.stdout + done.stderr
    ckpt = torch.load(tmp_path / 'work' / 'epoch_1.pth', map_location='cpu', weights_only=False)
    groups = ckpt['optimizer']['param_groups']
    # initial_lr: the lr the schedulers start from (warm-up and cosine scale it further)
    assert [g['initial_lr'] for g in groups] == pytest.approx([cfg.optim_wrapper.optimizer.lr * ratio] * len(groups))
    assert all(0 < g['lr'] <= g['initial_lr'] for g in groups)


def test_auto_scale_lr_without_base_batch_size_is_a_clear_error(toy_ade, tmp_path):
    options = [f'{split}_dataloader.dataset.data_root={toy_ade}' for split in ('train', 'val', 'test')]
    done = _train(SEG_TOY, tmp_path / 'work', tmp_path, '--auto-scale-lr', '--cfg-options', *options)
    assert done.returncode != 0
    assert 'RuntimeError: --auto-scale-lr needs auto_scale_lr.base_batch_size in the config' in done.stderr, \
        done.stderr[-3000:]
    assert not (tmp_path / 'work').exists() or not any(name.endswith('.pth') for name in os.listdir(tmp_path / 'work'))
