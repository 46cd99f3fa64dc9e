# Mask R-CNN, CeiT-S (official IN-1K 224 checkpoint), 1x, COCO: the plain-backbone design of ViTDet (hybrid
# attention with 14x14 windows, simple feature pyramid, ViTDet's neck and 4-conv heads) on mmdet's 1x recipe
# (1333x800, flip, 12 epochs at 16 images), AdamW with layer-wise lr decay. No published result (CeiT's paper and
# code are ImageNet-only; see the README).
_base_ = [
    '../_base_/mask-rcnn_simple-fpn.py', '../_base_/backbones/ceit.py', 'mmdet::_base_/datasets/coco_instance.py',
    '../_base_/schedule_adamw_1x.py', '../_base_/default_runtime.py'
]

model = dict(
    data_preprocessor=dict(pad_size_divisor=32),  # 1333x800 batches, not ViTDet's 1024x1024 LSJ squares
    backbone=_base_.backbone,
    neck=dict(in_channels=[96, 192, 384, 384]))  # CeiT(arch='small').feature_info's num_chs

# AdamW lr 1e-4, weight decay 0.05 (../_base_/schedule_adamw_1x.py), lr decayed by 0.75 per block from the top
# (ViTDet's rule: the stem, position embedding and class token 0.75^13); no weight decay on 1-D parameters (norms,
# biases), the position embedding and the class token
optim_wrapper = dict(
    constructor='LayerDepthDecayOptimWrapperConstructor',
    paramwise_cfg=dict(
        _delete_=True,
        layer_decay_rate=0.75,
        custom_keys={
            'backbone.pos_embed': dict(decay_mult=0.),
            'backbone.cls_token': dict(decay_mult=0.)
        }),
    clip_grad=dict(max_norm=1., norm_type=2))
