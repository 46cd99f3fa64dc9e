# UperNet, SG-Former-B, 160k, ADE20K: 52.0 mIoU (52.7 MS), 109M, 1304 GFLOPs at 512x2048 (published).
_base_ = [
    '../_base_/upernet_sgformer.py', 'mmseg::_base_/datasets/ade20k.py', '../_base_/default_runtime.py',
    '../_base_/schedule_upernet_160k.py'
]
train_dataloader = dict(batch_size=2)
model = dict(
    backbone=dict(arch='b', drop_path_rate=0.4,
                  init_cfg=dict(type='Pretrained', checkpoint='pretrained/sgformer_b.pth')),
    decode_head=dict(in_channels=[96, 192, 384, 768]),
    auxiliary_head=dict(in_channels=384))
