# Mask R-CNN, SG-Former-B, 1x, COCO: no published 1x result.
_base_ = './mask-rcnn_sgformer-s_fpn_1x_coco.py'

model = dict(
    backbone=dict(arch='b', drop_path_rate=0.4,
                  init_cfg=dict(type='Pretrained', checkpoint='pretrained/sgformer_b.pth')),
    neck=dict(in_channels=[96, 192, 384, 768]))
