# Semantic FPN, UniFormer-S, trained and tested with global attention, ADE20K: 46.6 mIoU, 25M, 247G (official).
_base_ = [
    '../_base_/fpn.py', '../_base_/backbones/uniformer.py', 'mmseg::_base_/datasets/ade20k.py',
    '../_base_/default_runtime.py', '../_base_/schedule_fpn_80k.py'
]
train_dataloader = dict(batch_size=4)
model = dict(backbone=dict(_base_.backbone, drop_path_rate=0.1), neck=dict(in_channels=[64, 128, 320, 512]))
