# Mask R-CNN, UniFormer-S, hybrid attention with 14x14 windows, 1x, COCO: 45.6 box / 41.6 mask AP, 41M, 269G (official).
_base_ = [
    '../_base_/mask-rcnn_fpn.py', '../_base_/backbones/uniformer.py', 'mmdet::_base_/datasets/coco_instance.py',
    '../_base_/schedule_adamw_1x.py', '../_base_/default_runtime.py'
]

model = dict(backbone=_base_.backbone, neck=dict(in_channels=[64, 128, 320, 512]))
