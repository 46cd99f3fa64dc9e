"""Pose suite: every config builds and runs its pipeline on toy data, one per head type trains and tests an
iteration, FLOPs as the published table counts them."""
import glob
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.registry import DefaultScope

from helpers import (ROOT, cpu_config, first_batches, one_per_head_type,
                     one_train_and_test_step, reference_vit_layer_id, unscoped)

# the configs of every family folder (configs/pose/<family>/*.py), as paths relative to configs/pose; the aliases
# at the old paths (configs/pose/*.py) are checked against their targets in test_config_layout.py, not built again
CONFIGS = sorted(
    osp.relpath(p, osp.join(ROOT, 'configs/pose')) for p in glob.glob(osp.join(ROOT, 'configs/pose/*/*.py'))
    if '_base_' not in p)
OFFICIAL = [f'td-hm_uniformer-{a}_{b}-210e_coco-{size}.py' for a, b, size in (
    ('s', '8xb128', '256x192'), ('b', '8xb128', '256x192'), ('s', '8xb128', '384x288'), ('b', '8xb32', '384x288'),
    ('s', '8xb64', '448x320'), ('b', '8xb32', '448x320'))]
# ViTPose with the classic decoder (mmpose's td-hm_ViTPose-{small,base}_8xb64-210e_coco-256x192.py), which
# publishes no parameter counts: each config here is checked against the settings of mmpose's config (parsed)
VITPOSE = {f'td-hm_vit-{a}_8xb64-210e_coco-256x192.py': f'td-hm_ViTPose-{ref}_8xb64-210e_coco-256x192.py'
           for a, ref in (('s', 'small'), ('b', 'base'))}


def _build(cfg):
    from mmpose.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmpose'):
        model = MODELS.build(cfg.model)
    model.init_weights()
    return model


def test_every_official_row_has_a_config():
    assert set(OFFICIAL) | set(VITPOSE) <= {osp.basename(name) for name in CONFIGS}


@pytest.mark.parametrize('ours', sorted(VITPOSE))
def test_vitpose_settings_match_mmpose_reference(ours):
    """Codec, head, test flip, data, schedule and optimizer as mmpose's ViTPose config; the backbone as its
    mmpretrain ViT (parsed only: mmpretrain is not installed). The parameter counts are in the README."""
    from mmengine.config import Config
    from mmengine.hub import get_config
    cfg = unscoped(Config.fromfile(osp.join(ROOT, 'configs/pose/vit', ours)).to_dict())
    ref = unscoped(get_config(f'mmpose::body_2d_keypoint/topdown_heatmap/coco/{VITPOSE[ours]}').to_dict())
    for key in ('codec', 'train_dataloader', 'val_dataloader', 'test_dataloader', 'val_evaluator', 'train_cfg',
                'param_scheduler', 'auto_scale_lr'):
        assert cfg[key] == ref[key], key
    for key in ('type', 'data_preprocessor', 'head', 'test_cfg'):
        assert cfg['model'][key] == ref['model'][key], key
    backbone, ref_backbone = cfg['model']['backbone'], ref['model']['backbone']
    ref_arch = ref_backbone['arch'] if isinstance(ref_backbone['arch'], dict) else dict(
        embed_dims=768, num_layers=12, num_heads=12, feedforward_channels=3072)  # mmpretrain's 'base'
    assert backbone['type'] == 'ViT' and backbone['arch'] in (  # a dict arch (S) or the zoo's 'vit-base' (B)
        dict(embed_dims=ref_arch['embed_dims'], depth=ref_arch['num_layers'], num_heads=ref_arch['num_heads']),
        'vit-base' if ref_backbone['arch'] == 'base' else None)
    assert ref_arch['feedforward_channels'] == 4 * ref_arch['embed_dims']  # mlp_ratio 4
    assert tuple(backbone['pretrain_img_size']) == tuple(ref_backbone['img_size'])
    assert backbone['patch_padding'] == ref_backbone['patch_cfg']['padding']
    assert backbone['with_cls_token'] is ref_backbone['with_cls_token'] is False
    assert backbone['final_norm'] is True and 'final_norm' not in ref_backbone  # mmpretrain's default: True
    assert backbone['out_indices'] == -1 and 'out_indices' not in ref_backbone and backbone['pyramid'] is None
    assert backbone['drop_path_rate'] == ref_backbone['drop_path_rate']
    assert osp.basename(backbone['init_cfg']['checkpoint']) == osp.basename(ref_backbone['init_cfg']['checkpoint'])
    optim, ref_optim = cfg['optim_wrapper'], ref['optim_wrapper']
    assert optim['constructor'] == 'LayerDepthDecayOptimWrapperConstructor'
    assert optim['optimizer'] == ref_optim['optimizer'] and optim['clip_grad'] == ref_optim['clip_grad']
    assert optim['paramwise_cfg']['layer_decay_rate'] == ref_optim['paramwise_cfg']['layer_decay_rate']


def test_vitpose_layer_decay_as_mmpose():
    """The optimiser the ViTPose-S config builds gives every parameter the lr and weight decay of mmpose's
    LayerDecayOptimWrapperConstructor (rate 0.8, 12 layers) but for the documented difference: the final norm goes
    with the last block (mmpose: with the head)."""
    from mmengine.config import Config
    from mmengine.optim import build_optim_wrapper
    from mmpose.registry import MODELS
    cfg = Config.fromfile(osp.join(ROOT, 'configs/pose/vit/td-hm_vit-s_8xb64-210e_coco-256x192.py'))
    cfg.model.backbone.init_cfg = None
    with DefaultScope.overwrite_default_scope('mmpose'):
        model = MODELS.build(cfg.model)
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    base_lr, base_wd, rate = 5e-4, 0.1, 0.8
    names = {id(p): n for n, p in model.named_parameters()}
    got = {names[id(p)]: (g['lr'], g['weight_decay']) for g in wrapper.optimizer.param_groups for p in g['params']}
    assert set(got) == set(names.values())

    def mmpose_rule(name, param):  # mmpose/engine/optim_wrappers/layer_decay_optim_wrapper.py, our names
        layer = reference_vit_layer_id(name)
        no_decay = param.ndim == 1 or name.endswith('.bias') or 'pos_embed' in name
        return base_lr * rate**(13 - layer), 0. if no_decay else base_wd

    differ = sorted(n for n, p in model.named_parameters() if got[n] != pytest.approx(mmpose_rule(n, p)))
    assert differ == ['backbone.norm.bias', 'backbone.norm.weight']
    assert got['backbone.norm.weight'] == pytest.approx((base_lr * rate, 0.))


def _on_toy(name, toy_root):
    """A pose config on CPU with its train and val datasets on the toy keypoints (ground-truth boxes)."""
    cfg = cpu_config(osp.join('configs/pose', name))
    for split, sub in (('train', 'train'), ('val', 'val')):
        cfg[f'{split}_dataloader'].dataset.update(
            data_root=toy_root, ann_file=f'annotations/person_keypoints_{sub}.json', data_prefix=dict(img=f'{sub}/'),
            bbox_file=None)
    return cfg


@pytest.mark.parametrize('name', CONFIGS)
def test_pose_config_builds_and_its_pipeline_runs(name, toy_kpt):
    from mmpose.registry import DATASETS
    cfg = _on_toy(name, toy_kpt)
    model = _build(cfg)
    with DefaultScope.overwrite_default_scope('mmpose'):
        train, val = first_batches(model, cfg, DATASETS)
    width, height = cfg.codec.input_size
    heatmap_width, heatmap_height = cfg.codec.heatmap_size
    for batch in (train, val):  # the person crop at the config's input size
        assert tuple(batch['inputs'].shape) == (1, 3, height, width)
    assert tuple(train['data_samples'][0].gt_fields.heatmaps.shape) == (17, heatmap_height, heatmap_width)


@pytest.mark.parametrize('name', one_per_head_type('pose', CONFIGS, lambda model: model.head.type))
def test_pose_config_trains_and_tests_one_iteration_on_toy_data(name, toy_kpt):
    from mmpose.registry import DATASETS
    cfg = _on_toy(name, toy_kpt)
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
