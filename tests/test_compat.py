"""One real model per toolbox, built from this project's toy config and run once in test mode on CPU, as a user
would: the checks `make test-compat` runs on the oldest supported stack (requirements/compat.txt) and `make test`
runs on the pinned one. No dataset, no checkpoint: a random image in, what the user sees out."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from helpers import ROOT

TOY = {
    'det': 'configs/det/**/mask-rcnn_uniformer-toy_fpn_1x_toy-coco.py',
    'seg': 'configs/seg/**/fpn_uniformer-toy_1xb8-800_toy-ade-256x256.py',
    'pose': 'configs/pose/**/td-hm_uniformer-toy_1xb32-40e_toy-kpt-128x96.py',
}


def _build(family, scope, registry):
    """The toy config's model, found wherever the config lives now, built by the toolbox's registry."""
    paths = sorted(glob.glob(osp.join(ROOT, TOY[family]), recursive=True))
    assert paths, f'no toy config matches {TOY[family]}'
    cfg = Config.fromfile(paths[0])
    cfg.model.backbone.init_cfg = None
    init_default_scope(scope)
    torch.manual_seed(0)
    model = registry.build(cfg.model)
    model.eval()  # mm models' train() may not return self: not chained
    return cfg, model


def _tensors(obj):
    """Every tensor in nested tuples / lists / dicts (torch's own pytree helpers differ between versions)."""
    if isinstance(obj, torch.Tensor):
        yield obj
    elif isinstance(obj, (list, tuple)):
        for o in obj:
            yield from _tensors(o)
    elif isinstance(obj, dict):
        for o in obj.values():
            yield from _tensors(o)


def _image(h, w):
    return torch.randint(0, 256, (3, h, w), dtype=torch.uint8)


def test_det_mask_rcnn_predicts_boxes_and_masks():
    from mmdet.registry import MODELS
    from mmdet.structures import DetDataSample
    cfg, model = _build('det', 'mmdet', MODELS)
    num_classes = cfg.model.roi_head.bbox_head.num_classes
    h, w = 200, 256  # not a multiple of 32: the data preprocessor pads
    sample = DetDataSample(metainfo=dict(img_shape=(h, w), ori_shape=(h, w), scale_factor=(1., 1.)))
    with torch.no_grad():
        out = model.test_step(dict(inputs=[_image(h, w)], data_samples=[sample]))
        # mode='tensor' still needs the image shapes (its RPN proposes boxes inside the image)
        shapes = DetDataSample(metainfo=dict(img_shape=(256, 256), batch_input_shape=(256, 256)))
        feats = model(torch.randn(1, 3, 256, 256), [shapes], mode='tensor')
    assert len(out) == 1 and isinstance(out[0], DetDataSample)
    pred = out[0].pred_instances
    n = len(pred)
    assert pred.bboxes.shape == (n, 4) and pred.bboxes.dtype == torch.float32
    assert pred.scores.shape == (n,) and pred.labels.shape == (n,)
    assert pred.masks.shape == (n, h, w) and pred.masks.dtype == torch.bool
    if n:
        assert 0 <= int(pred.labels.min()) and int(pred.labels.max()) < num_classes
        assert float(pred.bboxes[:, 2].max()) <= w and float(pred.bboxes[:, 3].max()) <= h
    # mode='tensor': the RPN and RoI heads' raw outputs, every one finite
    flat = list(_tensors(feats))
    assert flat and all(torch.isfinite(t).all() for t in flat)


def test_seg_semantic_fpn_predicts_a_label_map():
    from mmseg.registry import MODELS
    from mmseg.structures import SegDataSample
    cfg, model = _build('seg', 'mmseg', MODELS)
    num_classes = cfg.model.decode_head.num_classes
    h, w = 256, 256
    with torch.no_grad():
        logits = model(torch.randn(2, 3, h, w), mode='tensor')
        sample = SegDataSample(metainfo=dict(img_shape=(h, w), ori_shape=(h, w)))
        out = model.test_step(dict(inputs=[_image(h, w)], data_samples=[sample]))
    assert logits.shape == (2, num_classes, h // 4, w // 4) and torch.isfinite(logits).all()
    assert len(out) == 1 and isinstance(out[0], SegDataSample)
    label = out[0].pred_sem_seg.data
    assert label.shape == (1, h, w) and label.dtype == torch.int64
    assert 0 <= int(label.min()) and int(label.max()) < num_classes
    assert out[0].seg_logits.data.shape == (num_classes, h, w)


def test_pose_topdown_heatmaps():
    from mmpose.registry import MODELS
    cfg, model = _build('pose', 'mmpose', MODELS)
    w, h = cfg.codec['input_size']
    hw, hh = cfg.codec['heatmap_size']
    num_keypoints = cfg.model.head.out_channels
    with torch.no_grad():
        heatmaps = model(torch.randn(2, 3, h, w), None, mode='tensor')
    assert isinstance(heatmaps, torch.Tensor)
    assert heatmaps.shape == (2, num_keypoints, hh, hw) and torch.isfinite(heatmaps).all()
    assert num_keypoints == 17  # COCO keypoints


@pytest.mark.parametrize('module', ['backbones', 'mmcv.ops'])
def test_stack_imports(module):
    """The plugin and mmcv's compiled ops (RoIAlign, nms: Mask R-CNN needs them) import on this stack."""
    __import__(module)
    if module == 'mmcv.ops':
        from mmcv.ops import RoIAlign, nms  # noqa: F401
