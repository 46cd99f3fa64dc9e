# UperNet, SG-Former-M, 160k, ADE20K: 51.2 mIoU (52.1 MS), 68M, 1114 GFLOPs at 512x2048 (published).
_base_ = [
    '../_base_/upernet_sgformer.py', 'mmseg::_base_/datasets/ade20k.py', '../_base_/default_runtime.py',
    '../_base_/schedule_upernet_160k.py'
]
train_dataloader = dict(batch_size=2)
model = dict(backbone=dict(arch='m', drop_path_rate=0.2,
                           init_cfg=dict(type='Pretrained', checkpoint='pretrained/sgformer_m.pth')))
