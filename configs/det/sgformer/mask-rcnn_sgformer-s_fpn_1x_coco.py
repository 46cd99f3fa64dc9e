# Mask R-CNN, SG-Former-S, 1x, COCO: 47.4 box / 42.6 mask AP, 41M. The authors released no detection code; they
# follow PVT's (OliverRensu/Shunted-Transformer issue 17), which is this model with PVT as backbone, trained with
# mmdet's PVT optimiser (../_base_/schedule_adamw_pvt_1x.py).
_base_ = [
    '../_base_/mask-rcnn_fpn.py', '../_base_/backbones/sgformer.py', 'mmdet::_base_/datasets/coco_instance.py',
    '../_base_/schedule_adamw_pvt_1x.py', '../_base_/default_runtime.py'
]

model = dict(backbone=_base_.backbone, neck=dict(in_channels=[64, 128, 256, 512]))
