# Semantic FPN, UniFormer-XXS (lightweight family: token pruning, class token), ADE20K: 42.3 mIoU, 13.5M (official).
_base_ = [
    '../_base_/fpn.py', '../_base_/backbones/uniformer-light.py', 'mmseg::_base_/datasets/ade20k.py',
    '../_base_/default_runtime.py', '../_base_/schedule_fpn_80k.py'
]
train_dataloader = dict(batch_size=4)
model = dict(backbone=_base_.backbone, neck=dict(in_channels=[56, 112, 224, 448]))
