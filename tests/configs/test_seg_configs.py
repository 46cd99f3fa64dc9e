"""Segmentation suite: every config builds with the published size, trains and tests on toy data, and one
toy checkpoint is evaluated from the command line in g / w32 / h32 modes."""
import glob
import os.path as osp
import re
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from helpers import ROOT, cpu_config, one_train_and_test_step, shrink

sys.path.insert(0, osp.join(ROOT, 'tools'))
from make_toy_ade import CLASSES  # noqa: E402

TOY = 'configs/seg/uniformer/fpn_uniformer-toy_1xb8-800_toy-ade-256x256.py'
# the configs of every family folder (configs/seg/<family>/*.py), as paths relative to configs/seg; the aliases
# at the old paths (configs/seg/*.py) are checked against their targets in test_config_layout.py, not built again
CONFIGS = sorted(
    osp.relpath(p, osp.join(ROOT, 'configs/seg')) for p in glob.glob(osp.join(ROOT, 'configs/seg/*/*.py'))
    if '_base_' not in p)
PUBLISHED = {  # parameters (M) of the official table; the issue allows 2%
    'upernet_uniformer-s': 52, 'upernet_uniformer-b': 80, 'fpn_uniformer-s': 25, 'fpn_uniformer-b': 54,
    'fpn_uniformer-xxs': 13.5, 'fpn_uniformer-xs': 19.7
}


def _published(name):
    key = re.match(r'(upernet|fpn)_uniformer-(xxs|xs|s|b)(?=[-_])', osp.basename(name))
    return PUBLISHED.get(key.group(0)) if key else None


def _on_toy(cfg, toy_root):
    """Point every dataloader of a seg config at the toy data, with CPU-sized pipelines."""
    cfg.model.data_preprocessor.update(size=None, size_divisor=32)  # CPU-sized crops, not 512x512
    for split in ('train', 'val', 'test'):
        ds = cfg[f'{split}_dataloader'].dataset
        sub = 'training' if split == 'train' else 'validation'
        ds.update(type='BaseSegDataset', data_root=toy_root, img_suffix='.jpg', seg_map_suffix='.png',
                  reduce_zero_label=True, metainfo=dict(classes=CLASSES),
                  data_prefix=dict(img_path=f'images/{sub}', seg_map_path=f'annotations/{sub}'))
        ds.pipeline = shrink(ds.pipeline)
    return cfg


def test_every_official_row_has_a_config():
    names = {osp.basename(name) for name in CONFIGS}
    for arch in ('s', 'b'):
        for head, sched in (('upernet', '8xb2-160k'), ('fpn', '8xb4-80k')):
            for variant in ('', '-h14', '-w32-test', '-h32-test'):
                assert f'{head}_uniformer-{arch}{variant}_{sched}_ade20k-512x512.py' in names
    for arch in ('xxs', 'xs'):
        assert f'fpn_uniformer-{arch}_8xb4-80k_ade20k-512x512.py' in names


@pytest.mark.parametrize('name', CONFIGS)
def test_seg_config_builds_with_published_size(name):
    from mmseg.registry import MODELS
    cfg = Config.fromfile(osp.join(ROOT, 'configs/seg', name))
    cfg.model.backbone.init_cfg = None
    with DefaultScope.overwrite_default_scope('mmseg'):
        model = MODELS.build(cfg.model)
    expected = _published(name)
    if expected:
        params = sum(p.numel() for p in model.parameters()) / 1e6
        assert abs(params - expected) <= 0.02 * expected, f'{params:.2f}M vs {expected}M'


@pytest.mark.parametrize('name', CONFIGS)
def test_seg_config_trains_and_tests_one_iteration_on_toy_data(name, toy_ade):
    from mmseg.registry import DATASETS, MODELS
    cfg = _on_toy(cpu_config(osp.join('configs/seg', name)), toy_ade)
    cfg.model.decode_head.num_classes = len(CLASSES)
    if 'auxiliary_head' in cfg.model:
        cfg.model.auxiliary_head.num_classes = len(CLASSES)
    with DefaultScope.overwrite_default_scope('mmseg'):
        model = MODELS.build(cfg.model)
        model.init_weights()
        train_set, val_set = DATASETS.build(cfg.train_dataloader.dataset), DATASETS.build(cfg.val_dataloader.dataset)
        pred = one_train_and_test_step(model, cfg, train_set, val_set)
    assert pred.pred_sem_seg.data.shape[-2:] == pred.gt_sem_seg.data.shape[-2:]


def _miou(output: str) -> float:
    found = re.findall(r'mIoU: ([\d.]+)', output)
    assert found, output[-3000:]
    return float(found[-1])


def test_one_checkpoint_in_three_attention_modes_beats_untrained(toy_ade, tmp_path):
    from mmengine.runner import Runner
    cfg = _on_toy(Config.fromfile(osp.join(ROOT, TOY)), toy_ade)
    cfg.work_dir = str(tmp_path)
    cfg.train_cfg.update(max_iters=80, val_interval=1000)
    cfg.param_scheduler[1].end = 80
    cfg.train_dataloader.batch_size = 4
    cfg.default_hooks.checkpoint.interval = 80
    runner = Runner.from_cfg(cfg)
    torch.save({'state_dict': runner.model.state_dict()}, tmp_path / 'untrained.pth')
    runner.train()
    cfg_file = tmp_path / 'toy.py'
    cfg.dump(str(cfg_file))

    def evaluate(ckpt, mode, window):
        done = subprocess.run([
            sys.executable, osp.join(ROOT, 'tools/test.py'), str(cfg_file), str(tmp_path / ckpt), '--work-dir',
            str(tmp_path / f'test_{mode}'), '--cfg-options', f'model.backbone.attn_mode={mode}',
            f'model.backbone.window_size={window}'
        ], capture_output=True, text=True, cwd=str(tmp_path))
        assert done.returncode == 0, done.stderr[-3000:]
        return _miou(done.stdout + done.stderr)

    untrained = evaluate('untrained.pth', 'global', 14)
    scores = {m: evaluate('iter_80.pth', m, 32) for m in ('global', 'window', 'hybrid')}
    assert all(s > untrained for s in scores.values()), (untrained, scores)
    assert len(set(scores.values())) > 1  # the modes really differ


def test_missing_ade20k_is_a_clear_error(tmp_path):
    (tmp_path / 'pretrained').mkdir()  # tools/train.py checks the backbone's ImageNet checkpoint first
    (tmp_path / 'pretrained/uniformer_small_in1k.pth').touch()
    done = subprocess.run([sys.executable, osp.join(ROOT, 'tools/train.py'),
                           osp.join(ROOT, 'configs/seg/uniformer/upernet_uniformer-s_8xb2-160k_ade20k-512x512.py')],
                          capture_output=True, text=True, cwd=str(tmp_path))
    assert done.returncode != 0
    assert 'Dataset not found: ' in done.stderr and 'data/ade/ADEChallengeData2016/images/training' in done.stderr
    assert 'make demo-seg' in done.stderr
