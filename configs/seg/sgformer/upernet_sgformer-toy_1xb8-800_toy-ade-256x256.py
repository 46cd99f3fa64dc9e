# An UperNet with a reduced SG-Former (every block kind, global attention as published) and 32-channel heads that
# learns the toy ADE-layout dataset (tools/make_toy_ade.py) on a CPU in minutes, from scratch: the structure of the
# ADE20K configs. Its checkpoint can be tested with windows in stage 3 (256 px -> 16x16 tokens):
# tools/test.py ... --cfg-options model.backbone.attn_mode=window model.backbone.window_size=8
_base_ = ['../_base_/upernet.py', '../_base_/backbones/sgformer.py', '../_base_/toy-ade.py']

norm_cfg = dict(type='BN', requires_grad=True)
crop_size = (192, 192)  # as ../_base_/toy-ade.py

model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(
        _base_.backbone,
        arch=dict(depths=[2, 2, 2, 1], embed_dims=[32, 64, 128, 256], num_heads=[2, 2, 4, 8]),
        drop_path_rate=0.,
        init_cfg=None),
    decode_head=dict(in_channels=[32, 64, 128, 256], channels=32, num_classes=5, norm_cfg=norm_cfg),
    auxiliary_head=dict(in_channels=128, channels=16, num_classes=5, norm_cfg=norm_cfg))

optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.01))
