"""Pose suite: every config builds, trains and tests on toy data, FLOPs as the published table counts them."""
import glob
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.registry import DefaultScope

from helpers import ROOT, cpu_config, one_train_and_test_step

# the configs of every family folder (configs/pose/<family>/*.py), as paths relative to configs/pose; the aliases
# at the old paths (configs/pose/*.py) are checked against their targets in test_config_layout.py, not built again
CONFIGS = sorted(
    osp.relpath(p, osp.join(ROOT, 'configs/pose')) for p in glob.glob(osp.join(ROOT, 'configs/pose/*/*.py'))
    if '_base_' not in p)
OFFICIAL = [f'td-hm_uniformer-{a}_{b}-210e_coco-{size}.py' for a, b, size in (
    ('s', '8xb128', '256x192'), ('b', '8xb128', '256x192'), ('s', '8xb128', '384x288'), ('b', '8xb32', '384x288'),
    ('s', '8xb64', '448x320'), ('b', '8xb32', '448x320'))]


def _build(cfg):
    from mmpose.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmpose'):
        model = MODELS.build(cfg.model)
    model.init_weights()
    return model


def test_every_official_row_has_a_config():
    assert set(OFFICIAL) <= {osp.basename(name) for name in CONFIGS}


@pytest.mark.parametrize('name', CONFIGS)
def test_pose_config_trains_and_tests_one_iteration_on_toy_data(name, toy_kpt):
    from mmpose.registry import DATASETS
    cfg = cpu_config(osp.join('configs/pose', name))
    for split, sub in (('train', 'train'), ('val', 'val')):
        cfg[f'{split}_dataloader'].dataset.update(
            data_root=toy_kpt, ann_file=f'annotations/person_keypoints_{sub}.json', data_prefix=dict(img=f'{sub}/'),
            bbox_file=None)
    model = _build(cfg)
    with DefaultScope.overwrite_default_scope('mmpose'):
        train_set, val_set = DATASETS.build(cfg.train_dataloader.dataset), DATASETS.build(cfg.val_dataloader.dataset)
        pred = one_train_and_test_step(model, cfg, train_set, val_set)  # tests with the config's flip test
    assert cfg.model.test_cfg.flip_test
    assert pred.pred_instances.keypoints.shape == (1, 17, 2)


def test_missing_coco_keypoints_is_a_clear_error(tmp_path):
    (tmp_path / 'pretrained').mkdir()  # tools/train.py checks the backbone's ImageNet checkpoint first
    (tmp_path / 'pretrained/uniformer_small_in1k.pth').touch()
    done = subprocess.run([sys.executable, osp.join(ROOT, 'tools/train.py'),
                           osp.join(ROOT, 'configs/pose/uniformer/td-hm_uniformer-s_8xb128-210e_coco-256x192.py')],
                          capture_output=True, text=True, cwd=str(tmp_path))
    assert done.returncode != 0
    assert 'data/coco/annotations/person_keypoints_train2017.json' in done.stderr and 'make demo-pose' in done.stderr
