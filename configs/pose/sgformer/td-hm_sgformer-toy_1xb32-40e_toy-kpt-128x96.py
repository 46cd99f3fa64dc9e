# A top-down heatmap pose model with a reduced SG-Former (every block kind, global attention as published) that
# learns the toy stick-figure dataset (tools/make_toy_keypoints.py) on a CPU in minutes, from scratch, with the toy
# recipe every family's toy pose config shares (../_base_/td-hm_toy-kpt.py: its data, codec, head and schedule).
_base_ = '../_base_/td-hm_toy-kpt.py'

model = dict(
    backbone=dict(  # SGFormer's default drop path, 0
        _delete_=True,
        type='SGFormer',
        arch=dict(depths=[2, 2, 2, 1], embed_dims=[32, 64, 128, 256], num_heads=[2, 2, 4, 8]),
        out_indices=(3, ),
        init_cfg=None),
    head=dict(in_channels=256))
