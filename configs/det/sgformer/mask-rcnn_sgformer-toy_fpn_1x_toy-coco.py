# A Mask R-CNN with a reduced SG-Former (every block kind: hybrid-scale and self-guided pairs in stages 1-3, plain
# attention in stage 4; global attention as published) that learns the toy shapes dataset (tools/make_toy_coco.py)
# on a CPU in minutes, from scratch, with the toy recipe every family's toy Mask R-CNN shares
# (../_base_/mask-rcnn_fpn_toy-coco.py: 64-channel FPN and heads, data, schedule, optimiser).
# Its checkpoint can be tested with windows in stage 3 (256 px -> 16x16 tokens -> 2x2 windows of 8):
# tools/test.py ... --cfg-options model.backbone.attn_mode=window model.backbone.window_size=8
_base_ = ['../_base_/mask-rcnn_fpn_toy-coco.py', '../_base_/backbones/sgformer.py']

model = dict(
    backbone=dict(
        _base_.backbone,
        arch=dict(depths=[2, 2, 2, 1], embed_dims=[32, 64, 128, 256], num_heads=[2, 2, 4, 8]),
        drop_path_rate=0.,
        init_cfg=None),
    neck=dict(in_channels=[32, 64, 128, 256]))
