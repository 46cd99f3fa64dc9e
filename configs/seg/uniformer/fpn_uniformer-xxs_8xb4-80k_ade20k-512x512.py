# Semantic FPN, UniFormer-XXS (lightweight family: token pruning, class token), ADE20K: 42.3 mIoU, 13.5M (official).
_base_ = [
    '../_base_/fpn_uniformer.py', 'mmseg::_base_/datasets/ade20k.py', '../_base_/default_runtime.py',
    '../_base_/schedule_fpn_80k.py'
]

model = dict(
    backbone=dict(
        _delete_=True,
        type='UniFormerLight',
        arch='xxs',
        drop_path_rate=0.,
        out_indices=(0, 1, 2, 3),
        init_cfg=dict(type='Pretrained', checkpoint='pretrained/uniformer_xxs_224_in1k.pth')),
    neck=dict(in_channels=[56, 112, 224, 448]))
train_dataloader = dict(batch_size=4)
