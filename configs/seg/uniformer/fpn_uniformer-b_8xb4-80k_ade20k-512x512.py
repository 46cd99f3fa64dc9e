# Semantic FPN, UniFormer-B, global attention, ADE20K: 48.0 mIoU, 54M, 471G (official).
_base_ = './fpn_uniformer-s_8xb4-80k_ade20k-512x512.py'

model = dict(
    backbone=dict(
        arch='base', drop_path_rate=0.2,
        init_cfg=dict(type='Pretrained', checkpoint='pretrained/uniformer_base_in1k.pth')))
