# Semantic FPN, UniFormer-S, trained and tested with global attention, ADE20K: 46.6 mIoU, 25M, 247G (official).
_base_ = [
    '../_base_/fpn_uniformer.py', 'mmseg::_base_/datasets/ade20k.py', '../_base_/default_runtime.py',
    '../_base_/schedule_fpn_80k.py'
]
train_dataloader = dict(batch_size=4)
