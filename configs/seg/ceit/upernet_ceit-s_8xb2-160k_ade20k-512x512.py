# UperNet, CeiT-S (official IN-1K 224 checkpoint), simple pyramid, 160k iterations, ADE20K: mmseg's DeiT-S UperNet
# recipe (AdamW lr 6e-5, weight decay 0.01 but none on the position embedding and class token, 1500-iteration
# warm-up, poly) with CeiT's simple pyramid in place of the raw stride-16 maps. No published result (CeiT's paper
# and code are ImageNet-only; see the README).
_base_ = [
    '../_base_/upernet.py', '../_base_/backbones/ceit.py', 'mmseg::_base_/datasets/ade20k.py',
    '../_base_/default_runtime.py', '../_base_/schedule_upernet_vit_160k.py'
]
train_dataloader = dict(batch_size=2)
model = dict(
    backbone=_base_.backbone,
    decode_head=dict(in_channels=[96, 192, 384, 384]),  # CeiT(arch='small').feature_info's num_chs
    auxiliary_head=dict(in_channels=384))
