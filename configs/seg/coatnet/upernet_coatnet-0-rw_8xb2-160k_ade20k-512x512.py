# UperNet, CoAtNet-0 (timm's coatnet_0_rw, ImageNet-1k), global attention, 160k, ADE20K: no published result (see
# the README). The UperNet recipe of Swin and UniFormer (../_base_/upernet.py, ../_base_/schedule_upernet_160k.py),
# with no weight decay on the relative position tables (timm's no_weight_decay).
_base_ = [
    '../_base_/upernet.py', '../_base_/backbones/coatnet.py', 'mmseg::_base_/datasets/ade20k.py',
    '../_base_/default_runtime.py', '../_base_/schedule_upernet_160k.py'
]
train_dataloader = dict(batch_size=2)
model = dict(
    backbone=_base_.backbone,
    decode_head=dict(in_channels=[96, 192, 384, 768]),
    auxiliary_head=dict(in_channels=384))
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'relative_position_bias_table': dict(decay_mult=0.)}))
