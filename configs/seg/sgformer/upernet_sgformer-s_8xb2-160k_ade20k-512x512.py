# UperNet, SG-Former-S, 160k, ADE20K: 49.9 mIoU (51.5 MS), 53M, 989 GFLOPs at 512x2048 (published).
_base_ = [
    '../_base_/upernet_sgformer.py', 'mmseg::_base_/datasets/ade20k.py', '../_base_/default_runtime.py',
    '../_base_/schedule_upernet_160k.py'
]
train_dataloader = dict(batch_size=2)
