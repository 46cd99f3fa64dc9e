# Mask R-CNN, SG-Former-M, 1x, COCO: 48.2 box / 43.6 mask AP, 51M (published; see the README).
_base_ = [
    '../_base_/mask-rcnn_sgformer_fpn.py', 'mmdet::_base_/datasets/coco_instance.py',
    '../_base_/schedule_adamw_pvt_1x.py', '../_base_/default_runtime.py'
]

model = dict(
    backbone=dict(arch='m', drop_path_rate=0.2,
                  init_cfg=dict(type='Pretrained', checkpoint='pretrained/sgformer_m.pth')),
    neck=dict(in_channels=[64, 128, 256, 512]))
