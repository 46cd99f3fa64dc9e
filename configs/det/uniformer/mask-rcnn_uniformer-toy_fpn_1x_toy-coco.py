# A Mask R-CNN with a reduced UniFormer (every block kind, hybrid attention kept) that learns the toy shapes
# dataset (tools/make_toy_coco.py) on a CPU in minutes: what `make demo` trains, evaluates and draws.
# Everything else is the real thing: mmdet's CocoDataset, CocoMetric, Mask R-CNN, this project's tools; the toy
# recipe (64-channel FPN and heads, data, schedule, optimiser) is ../_base_/mask-rcnn_fpn_toy-coco.py.
_base_ = ['../_base_/mask-rcnn_fpn_toy-coco.py', '../_base_/backbones/uniformer.py']

model = dict(
    backbone=dict(
        _base_.backbone,
        arch=dict(depths=[1, 1, 4, 1], embed_dims=[32, 64, 128, 256], head_dim=32),
        attn_mode='hybrid',
        window_size=8,  # 256 px -> 16x16 stage-3 tokens -> 2x2 windows; block 4 global
        drop_path_rate=0.,
        with_cp=False,
        init_cfg=None),
    neck=dict(in_channels=[32, 64, 128, 256]))
