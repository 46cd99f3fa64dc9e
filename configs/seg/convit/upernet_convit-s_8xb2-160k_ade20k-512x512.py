# UperNet, ConViT-S (global attention, simple pyramid), 160k, ADE20K. No published result (ConViT reports no
# segmentation numbers): the UperNet recipe of Swin and UniFormer (../_base_/upernet.py,
# ../_base_/schedule_upernet_160k.py) plus layer-wise lr decay over the 12 blocks (see the README).
_base_ = [
    '../_base_/upernet.py', '../_base_/backbones/convit.py', 'mmseg::_base_/datasets/ade20k.py',
    '../_base_/default_runtime.py', '../_base_/schedule_upernet_160k.py'
]
train_dataloader = dict(batch_size=2)
model = dict(
    backbone=_base_.backbone,
    decode_head=dict(in_channels=[108, 216, 432, 432]),
    auxiliary_head=dict(in_channels=432))

# lr x 0.75^(13 - id) (block j has id j + 1, the stem 0, the heads 13); no weight decay on 1-D parameters, the
# position embedding and the class token
optim_wrapper = dict(
    constructor='LayerDepthDecayOptimWrapperConstructor',
    paramwise_cfg=dict(
        _delete_=True,
        layer_decay_rate=0.75,
        custom_keys={
            'backbone.pos_embed': dict(decay_mult=0.),
            'backbone.cls_token': dict(decay_mult=0.)
        }))
