# Semantic FPN, UniFormer-XS (lightweight family: token pruning, class token), ADE20K: 44.4 mIoU, 19.7M (official).
_base_ = './fpn_uniformer-xxs_8xb4-80k_ade20k-512x512.py'

model = dict(
    backbone=dict(
        arch='xs', drop_path_rate=0.1,
        init_cfg=dict(type='Pretrained', checkpoint='pretrained/uniformer_xs_224_in1k.pth')),
    neck=dict(in_channels=[64, 128, 256, 512]))
