# A top-down heatmap pose model with a reduced UniFormer (every block kind) that learns the toy stick-figure
# dataset (tools/make_toy_keypoints.py) on a CPU in minutes: what `make demo-pose` trains, evaluates and draws.
# Person boxes from the ground truth; flip test as the official configs; mmpose's CocoDataset and CocoMetric (the
# toy recipe: ../_base_/td-hm_toy-kpt.py).
_base_ = ['../_base_/td-hm_toy-kpt.py', '../_base_/backbones/uniformer.py']

model = dict(
    backbone=dict(
        _base_.backbone,
        arch=dict(depths=[1, 1, 4, 1], embed_dims=[32, 64, 128, 256], head_dim=32),
        drop_path_rate=0.,
        init_cfg=None),
    head=dict(in_channels=256))
