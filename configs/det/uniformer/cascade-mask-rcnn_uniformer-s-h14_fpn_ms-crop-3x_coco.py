# Cascade Mask R-CNN (4-conv-1-fc heads, GIoU), UniFormer-S-h14, 3x + multi-scale/crop, COCO:
# 52.1 box / 45.2 mask AP, 79M, 747G (official).
_base_ = [
    '../_base_/cascade-mask-rcnn_fpn.py', '../_base_/backbones/uniformer.py', '../_base_/coco_instance_ms-crop.py',
    '../_base_/schedule_adamw_3x.py', '../_base_/default_runtime.py'
]

model = dict(backbone=_base_.backbone, neck=dict(in_channels=[64, 128, 320, 512]))
