# Mask R-CNN, SG-Former-S, 1x, COCO: 47.4 box / 42.6 mask AP, 41M.
_base_ = [
    '../_base_/mask-rcnn_sgformer_fpn.py', 'mmdet::_base_/datasets/coco_instance.py',
    '../_base_/schedule_adamw_pvt_1x.py', '../_base_/default_runtime.py'
]
