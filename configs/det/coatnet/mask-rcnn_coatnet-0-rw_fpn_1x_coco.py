# Mask R-CNN, CoAtNet-0 (timm's coatnet_0_rw, ImageNet-1k), hybrid attention, 1x, COCO: no published result (see the
# README). The optimiser of the other families' 1x configs (AdamW lr 1e-4, weight decay 0.05, none on norms), with no
# decay on the relative position tables either (timm's no_weight_decay).
_base_ = [
    '../_base_/mask-rcnn_fpn.py', '../_base_/backbones/coatnet.py', 'mmdet::_base_/datasets/coco_instance.py',
    '../_base_/schedule_adamw_1x.py', '../_base_/default_runtime.py'
]

model = dict(backbone=_base_.backbone, neck=dict(in_channels=[96, 192, 384, 768]))
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'relative_position_bias_table': dict(decay_mult=0.)}))
