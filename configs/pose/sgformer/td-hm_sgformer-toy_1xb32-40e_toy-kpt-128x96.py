# A top-down heatmap pose model with a reduced SG-Former (every block kind, global attention as published) that
# learns the toy stick-figure dataset (tools/make_toy_keypoints.py) on a CPU in minutes, from scratch: the UniFormer
# toy pose config (its data, codec, head and schedule) with the backbone swapped, as ../_base_/td-hm_sgformer.py
# swaps it in the COCO recipe.
_base_ = '../uniformer/td-hm_uniformer-toy_1xb32-40e_toy-kpt-128x96.py'

model = dict(
    backbone=dict(
        _delete_=True,
        type='SGFormer',
        arch=dict(depths=[2, 2, 2, 1], embed_dims=[32, 64, 128, 256], num_heads=[2, 2, 4, 8]),
        out_indices=(3, ),
        init_cfg=None))
