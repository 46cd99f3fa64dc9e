# Mask R-CNN, UniFormer-XXS (lightweight family: token pruning, class token), 1x, COCO: 42.8 box / 39.2 mask AP, 29.4M (official).
_base_ = [
    '../_base_/mask-rcnn_fpn.py', '../_base_/backbones/uniformer-light.py', 'mmdet::_base_/datasets/coco_instance.py',
    '../_base_/schedule_adamw_1x.py', '../_base_/default_runtime.py'
]

model = dict(backbone=_base_.backbone, neck=dict(in_channels=[56, 112, 224, 448]))
