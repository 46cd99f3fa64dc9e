# UperNet, UniFormer-S, trained and tested with global attention, ADE20K: 47.6 mIoU (48.5 MS), 52M (official).
_base_ = [
    '../_base_/upernet.py', '../_base_/backbones/uniformer.py', 'mmseg::_base_/datasets/ade20k.py',
    '../_base_/default_runtime.py', '../_base_/schedule_upernet_160k.py'
]
train_dataloader = dict(batch_size=2)
model = dict(
    backbone=_base_.backbone,
    decode_head=dict(in_channels=[64, 128, 320, 512]),
    auxiliary_head=dict(in_channels=320))
