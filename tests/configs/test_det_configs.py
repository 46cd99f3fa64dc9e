"""Detection suite: every config builds with the published size and runs its pipeline on toy data; one per head
type trains and tests an iteration; one toy ViT checkpoint evaluated from the command line
in global / window / hybrid mode predicts three different results."""
import glob
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from helpers import (ROOT, cpu_config, first_batches, one_per_head_type,
                     one_train_and_test_step, reference_vit_layer_id, shrink)

sys.path.insert(0, osp.join(ROOT, 'tools'))
from make_toy_coco import write_split  # noqa: E402

TOY = osp.join(ROOT, 'configs/det/uniformer/mask-rcnn_uniformer-toy_fpn_1x_toy-coco.py')
VIT_TOY = osp.join(ROOT, 'configs/det/vit/mask-rcnn_vit-toy_simple-fpn_1x_toy-coco.py')
# published parameters (M) and the tolerance the issue allows
PUBLISHED = {
    'mask-rcnn_uniformer-s-h14_fpn_1x_coco.py': (41.2, 0.01),
    'mask-rcnn_uniformer-s-h14_fpn_ms-crop-3x_coco.py': (41.2, 0.01),
    'mask-rcnn_uniformer-b-h14_fpn_1x_coco.py': (69.4, 0.01),
    'mask-rcnn_uniformer-b-h14_fpn_ms-crop-3x_coco.py': (69.4, 0.01),
    'cascade-mask-rcnn_uniformer-s-h14_fpn_ms-crop-3x_coco.py': (79, 0.02),
    'mask-rcnn_uniformer-xxs_fpn_1x_coco.py': (29.4, 0.02),
    'mask-rcnn_uniformer-xs_fpn_1x_coco.py': (35.6, 0.02),
    'cascade-mask-rcnn_uniformer-b-h14_fpn_ms-crop-3x_coco.py': (107, 0.02),
}
# the configs of every family folder (configs/det/<family>/*.py), as paths relative to configs/det; the aliases
# at the old paths (configs/det/*.py) are checked against their targets in test_config_layout.py, not built again
CONFIGS = sorted(
    osp.relpath(p, osp.join(ROOT, 'configs/det')) for p in glob.glob(osp.join(ROOT, 'configs/det/*/*.py'))
    if '_base_' not in p)


def _cpu_config(name, toy_root):
    """A det config on CPU on toy data: small images, fewer proposals and sampled RoIs."""
    cfg = cpu_config(osp.join('configs/det', name))
    cfg.model.train_cfg.rpn_proposal.update(nms_pre=200, max_per_img=100)
    cfg.model.test_cfg.rpn.update(nms_pre=200, max_per_img=100)
    cfg.model.test_cfg.rcnn.max_per_img = 20  # the masks of at most 20 detections
    rcnn = cfg.model.train_cfg.rcnn
    for stage in rcnn if isinstance(rcnn, list) else [rcnn]:  # the RoI heads' cost (4-conv heads, cascades)
        stage.sampler.num = 64
    if cfg.model.data_preprocessor.get('pad_size_divisor', 1) > 256:  # ViTDet's 1024x1024 inputs: 224x224, one
        cfg.model.data_preprocessor.pad_size_divisor = 224  # 14x14 window of tokens (no window padding)
    for split in ('train', 'val', 'test'):
        ds = cfg[f'{split}_dataloader'].dataset
        ds.update(data_root=toy_root, metainfo=dict(classes=('square', 'circle', 'triangle')),
                  ann_file=f'annotations/instances_{"train" if split == "train" else "val"}.json',
                  data_prefix=dict(img=f'{"train" if split == "train" else "val"}/'))
        ds.pipeline = shrink(ds.pipeline)
    return cfg


@pytest.mark.parametrize('name', CONFIGS)
def test_det_config_builds_with_published_size_and_its_pipeline_runs(name, toy_coco):
    from mmdet.registry import DATASETS, MODELS
    cfg = _cpu_config(name, toy_coco)  # SyncBN -> BN and fp32 change no parameter count
    with DefaultScope.overwrite_default_scope('mmdet'):
        model = MODELS.build(cfg.model)
        train, val = first_batches(model, cfg, DATASETS)
    if osp.basename(name) in PUBLISHED:
        expected, tolerance = PUBLISHED[osp.basename(name)]
        params = sum(p.numel() for p in model.parameters()) / 1e6
        assert abs(params - expected) <= tolerance * expected, f'{params:.2f}M vs {expected}M'
    divisor = cfg.model.data_preprocessor.pad_size_divisor
    for batch in (train, val):
        height, width = batch['inputs'].shape[-2:]
        assert batch['inputs'].ndim == 4 and height % divisor == width % divisor == 0
    gt = train['data_samples'][0].gt_instances
    assert len(gt.bboxes) == len(gt.masks) > 0


def test_every_official_row_has_a_config():
    assert set(PUBLISHED) <= {osp.basename(name) for name in CONFIGS}


def test_vitdet_optimizer_as_detectron2():
    """The ViTDet Mask R-CNN config gives every parameter detectron2's lr and weight decay (projects/ViTDet
    mask_rcnn_vitdet_b_100ep.py: get_vit_lr_decay_rate with rate 0.7 over 12 blocks, get_default_optimizer_params
    with weight_decay_norm=0, overrides pos_embed weight_decay=0). detectron2's rule, on our names: torch LayerNorms
    (the ViT's norm1 / norm2) and pos_embed have no decay; biases, rel-pos tables and the channel LayerNorms of the
    pyramid and heads (detectron2's LayerNorm is not a torch LayerNorm) do."""
    from mmengine.optim import build_optim_wrapper
    from mmdet.registry import MODELS
    cfg = Config.fromfile(osp.join(ROOT, 'configs/det/vit/mask-rcnn_vit-b-h14-rp_simple-fpn_lsj-100e_coco.py'))
    cfg.model.backbone.init_cfg = None
    cfg.optim_wrapper.type = 'OptimWrapper'  # AmpOptimWrapper needs a GPU; the parameter groups are the same
    with DefaultScope.overwrite_default_scope('mmdet'):
        model = MODELS.build(cfg.model)
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    base_lr, base_wd, rate = 1e-4, 0.1, 0.7
    got = {id(p): (g['lr'], g['weight_decay']) for g in wrapper.optimizer.param_groups for p in g['params']}
    assert len(got) == len(list(model.parameters()))

    def detectron2_rule(name, module):
        layer = reference_vit_layer_id(name)
        no_decay = isinstance(module, torch.nn.LayerNorm) and 'backbone.blocks.' in name or 'pos_embed' in name
        return base_lr * rate**(13 - layer), 0. if no_decay else base_wd

    modules = dict(model.named_modules())
    for name, param in model.named_parameters():
        assert got[id(param)] == pytest.approx(detectron2_rule(name, modules[name.rpartition('.')[0]])), name


@pytest.mark.parametrize('name', one_per_head_type('det', CONFIGS, lambda model: (model.type, model.roi_head.type)))
def test_det_config_trains_and_tests_one_iteration_on_toy_data(name, toy_coco):
    from mmdet.registry import DATASETS, MODELS
    cfg = _cpu_config(name, toy_coco)
    with DefaultScope.overwrite_default_scope('mmdet'):
        model = MODELS.build(cfg.model)
        model.init_weights()
        train_set, val_set = DATASETS.build(cfg.train_dataloader.dataset), DATASETS.build(cfg.val_dataloader.dataset)
        pred = one_train_and_test_step(model, cfg, train_set, val_set)
    assert {'bboxes', 'scores', 'masks'} <= set(pred.pred_instances.keys())


def _toy_runner_cfg(toy_root, work_dir, max_iters, config=TOY):
    cfg = _cpu_config(osp.relpath(config, osp.join(ROOT, 'configs/det')), toy_root)
    cfg.val_evaluator.ann_file = toy_root + 'annotations/instances_val.json'
    cfg.test_evaluator = cfg.val_evaluator
    cfg.work_dir = str(work_dir)
    cfg.train_cfg.update(max_iters=max_iters, val_interval=100)
    cfg.default_hooks.checkpoint.update(interval=2, max_keep_ckpts=5)
    cfg.train_dataloader.batch_size = 2
    return cfg


def test_test_tool_draws_the_predictions_in_another_attention_mode(toy_coco, tmp_path):
    from mmengine.runner import Runner
    cfg = _toy_runner_cfg(toy_coco, tmp_path, max_iters=2)
    Runner.from_cfg(cfg).train()
    cfg_file = tmp_path / 'toy.py'
    cfg.dump(str(cfg_file))
    done = subprocess.run([
        sys.executable, osp.join(ROOT, 'tools/test.py'), str(cfg_file), str(tmp_path / 'iter_2.pth'), '--show-dir',
        str(tmp_path / 'pictures'), '--cfg-options', 'model.backbone.attn_mode=window', 'model.backbone.window_size=4'
    ], capture_output=True, text=True, cwd=str(tmp_path))
    assert done.returncode == 0, done.stderr[-3000:]
    assert 'coco/bbox_mAP_50' in done.stdout + done.stderr
    assert len(glob.glob(str(tmp_path / 'pictures' / '*.jpg'))) == 2


def test_one_checkpoint_in_three_attention_modes_predicts_three_results(toy_coco, tmp_path):
    """The toy ViT (hybrid, 8x8 windows, relative position) trained two iterations; tools/test.py evaluates its
    checkpoint as global, window and hybrid ViT (the relative-position tables resized to each mode on load) and
    dumps the predictions (--out): all three differ. Predictions, not AP: an untrained model can score 0 in all."""
    import mmengine
    from mmengine.runner import Runner
    cfg = _toy_runner_cfg(toy_coco, tmp_path, max_iters=2, config=VIT_TOY)
    Runner.from_cfg(cfg).train()
    cfg_file = tmp_path / 'toy.py'
    cfg.dump(str(cfg_file))

    def predict(mode):
        out = tmp_path / f'{mode}.pkl'
        done = subprocess.run([
            sys.executable, osp.join(ROOT, 'tools/test.py'), str(cfg_file), str(tmp_path / 'iter_2.pth'), '--work-dir',
            str(tmp_path / f'test_{mode}'), '--out', str(out), '--cfg-options', f'model.backbone.attn_mode={mode}'
        ], capture_output=True, text=True, cwd=str(tmp_path))
        assert done.returncode == 0, done.stderr[-3000:]
        assert 'coco/bbox_mAP' in done.stdout + done.stderr
        results = mmengine.load(str(out))
        assert len(results) == 2 and all(len(r['pred_instances']['scores']) for r in results), mode
        return [torch.as_tensor(r['pred_instances'][k]).flatten().float() for r in results for k in ('bboxes', 'scores')]

    preds = {mode: predict(mode) for mode in ('global', 'window', 'hybrid')}

    def same(a, b):
        return all(x.shape == y.shape and torch.allclose(x, y) for x, y in zip(a, b))

    assert not same(preds['global'], preds['window'])
    assert not same(preds['global'], preds['hybrid'])
    assert not same(preds['window'], preds['hybrid'])


def test_missing_coco_is_a_clear_error_before_building(tmp_path):
    (tmp_path / 'pretrained').mkdir()  # tools/train.py checks the backbone's ImageNet checkpoint first
    (tmp_path / 'pretrained/uniformer_small_in1k.pth').touch()
    done = subprocess.run([sys.executable, osp.join(ROOT, 'tools/train.py'),
                           osp.join(ROOT, 'configs/det/uniformer_maskrcnn_3x.py')],
                          capture_output=True, text=True, cwd=str(tmp_path))
    assert done.returncode != 0
    assert 'Dataset not found: data/coco/annotations/instances_train2017.json' in done.stderr
    assert 'make demo' in done.stderr and 'Expected layout' in done.stderr
    assert 'UniFormer' not in done.stdout  # no model was built


def test_toy_generator_is_deterministic_and_masks_are_visible_polygons(tmp_path):
    import filecmp

    from pycocotools.coco import COCO
    for out in ('a', 'b'):
        write_split(str(tmp_path / out), 'val', 3, 128, seed=5)
    assert filecmp.cmp(tmp_path / 'a/annotations/instances_val.json', tmp_path / 'b/annotations/instances_val.json',
                       shallow=False)
    assert filecmp.cmp(tmp_path / 'a/val/000002.jpg', tmp_path / 'b/val/000002.jpg', shallow=False)
    coco = COCO(str(tmp_path / 'a/annotations/instances_val.json'))
    masks = [coco.annToMask(a) for a in coco.loadAnns(coco.getAnnIds(imgIds=[0]))]
    assert masks and all(m.sum() > 0 for m in masks)
    overlap = sum(m.astype(int) for m in masks)
    # visible regions of occluded shapes do not overlap (beyond shared boundary pixels)
    assert (overlap > 1).sum() <= 0.05 * sum(m.sum() for m in masks)
