# UperNet, SG-Former-S, 160k, ADE20K: 49.9 mIoU (51.5 MS), 53M, 989 GFLOPs at 512x2048 (published). The authors
# released no segmentation code; the recipe is the UperNet one of Swin and UniFormer (../_base_/upernet.py,
# ../_base_/schedule_upernet_160k.py).
_base_ = [
    '../_base_/upernet.py', '../_base_/backbones/sgformer.py', 'mmseg::_base_/datasets/ade20k.py',
    '../_base_/default_runtime.py', '../_base_/schedule_upernet_160k.py'
]
train_dataloader = dict(batch_size=2)
model = dict(
    backbone=_base_.backbone,
    decode_head=dict(in_channels=[64, 128, 256, 512]),
    auxiliary_head=dict(in_channels=256))
