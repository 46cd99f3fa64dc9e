# UperNet, UniFormer-S, trained and tested with global attention, ADE20K: 47.6 mIoU (48.5 MS), 52M (official).
_base_ = [
    '../_base_/upernet_uniformer.py', 'mmseg::_base_/datasets/ade20k.py', '../_base_/default_runtime.py',
    '../_base_/schedule_upernet_160k.py'
]
train_dataloader = dict(batch_size=2)
