# Mask R-CNN, SG-Former-M, 1x, COCO: 48.2 box / 43.6 mask AP, 51M (published; see the README).
_base_ = './mask-rcnn_sgformer-s_fpn_1x_coco.py'

model = dict(  # M has S's widths (64, 128, 256, 512): the neck is S's
    backbone=dict(arch='m', drop_path_rate=0.2,
                  init_cfg=dict(type='Pretrained', checkpoint='pretrained/sgformer_m.pth')))
