# Mask R-CNN, ConViT-S (hybrid: GPSA blocks in 14x14 windows, MHSA blocks global), FPN on the simple pyramid, 1x,
# COCO. No published result (ConViT reports no detection numbers): mmdet's 1x schedule and 1333x800 pipeline with
# the AdamW recipe of the project's 1x configs, plus layer-wise lr decay over the 12 blocks (see the README).
_base_ = [
    '../_base_/mask-rcnn_fpn.py', '../_base_/backbones/convit.py', 'mmdet::_base_/datasets/coco_instance.py',
    '../_base_/schedule_adamw_1x.py', '../_base_/default_runtime.py'
]

model = dict(backbone=_base_.backbone, neck=dict(in_channels=[108, 216, 432, 432]))

# lr x 0.75^(13 - id): block j (0-based) has id j + 1, the stem (patch and position embedding, class token) 0, the
# pyramid, neck and heads 13; no weight decay on 1-D parameters (norms, biases, GPSA gates), the position embedding
# and the class token
optim_wrapper = dict(
    constructor='LayerDepthDecayOptimWrapperConstructor',
    paramwise_cfg=dict(
        _delete_=True,
        layer_decay_rate=0.75,
        custom_keys={
            'backbone.pos_embed': dict(decay_mult=0.),
            'backbone.cls_token': dict(decay_mult=0.)
        }))
