# An UperNet with a reduced ViT (4 blocks of 128 channels, patch 16), the MultiLevelNeck and 32-channel heads that
# learns the toy ADE-layout dataset (tools/make_toy_ade.py) on a CPU in minutes: the structure of the ViT-B + MLN
# config, from scratch. Without the class token (which only global attention can take), so the checkpoint can be
# tested with another attention mode:
# tools/test.py ... --cfg-options model.backbone.attn_mode=window model.backbone.window_size=8
_base_ = ['../_base_/upernet_mln.py', '../_base_/backbones/vit.py', '../_base_/toy-ade.py']

norm_cfg = dict(type='BN', requires_grad=True)
crop_size = (192, 192)  # as ../_base_/toy-ade.py

model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(
        _base_.backbone,
        arch=dict(embed_dims=128, depth=4, num_heads=4),
        pretrain_img_size=256,
        with_cls_token=False,
        attn_mode='global',
        out_indices=(0, 1, 2, 3),
        drop_path_rate=0.,
        init_cfg=None),
    neck=dict(in_channels=[128, 128, 128, 128], out_channels=32),
    decode_head=dict(in_channels=[32, 32, 32, 32], channels=32, num_classes=5, norm_cfg=norm_cfg),
    auxiliary_head=dict(in_channels=32, channels=16, num_classes=5, norm_cfg=norm_cfg))

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.01),
    paramwise_cfg=dict(custom_keys={'pos_embed': dict(decay_mult=0.)}))
