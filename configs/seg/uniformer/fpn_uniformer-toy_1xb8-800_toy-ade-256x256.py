# A Semantic FPN with a reduced UniFormer (every block kind) that learns the toy ADE-layout dataset
# (tools/make_toy_ade.py) on a CPU in minutes: what `make demo-seg` trains, evaluates and draws.
# Trained with global attention like the official segmentation models, so g / w32 / h32 can be compared
# at test time: tools/test.py ... --cfg-options model.backbone.attn_mode=window model.backbone.window_size=32
_base_ = ['../_base_/fpn.py', '../_base_/backbones/uniformer.py', '../_base_/toy-ade.py']

norm_cfg = dict(type='BN', requires_grad=True)
crop_size = (192, 192)  # as ../_base_/toy-ade.py

model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(
        _base_.backbone,
        arch=dict(depths=[1, 1, 4, 1], embed_dims=[32, 64, 128, 256], head_dim=32),
        attn_mode='global',
        drop_path_rate=0.,
        init_cfg=None),
    neck=dict(in_channels=[32, 64, 128, 256], out_channels=64),
    decode_head=dict(in_channels=[64, 64, 64, 64], channels=64, num_classes=5, norm_cfg=norm_cfg))

optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.01))
