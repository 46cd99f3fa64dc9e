# Mask R-CNN, UniFormer-S-h14, 3x + multi-scale/crop, COCO: 48.2 box / 43.4 mask AP, 41M, 269G (official).
_base_ = [
    '../_base_/mask-rcnn_fpn.py', '../_base_/backbones/uniformer.py', '../_base_/coco_instance_ms-crop.py',
    '../_base_/schedule_adamw_3x.py', '../_base_/default_runtime.py'
]

model = dict(backbone=dict(_base_.backbone, drop_path_rate=0.1), neck=dict(in_channels=[64, 128, 320, 512]))
