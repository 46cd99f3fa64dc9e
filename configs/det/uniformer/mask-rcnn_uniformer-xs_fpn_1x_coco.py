# Mask R-CNN, UniFormer-XS (lightweight family: token pruning, class token), 1x, COCO: 44.6 box / 40.9 mask AP, 35.6M (official).
_base_ = './mask-rcnn_uniformer-xxs_fpn_1x_coco.py'

model = dict(
    backbone=dict(
        arch='xs', drop_path_rate=0.15,
        init_cfg=dict(type='Pretrained', checkpoint='pretrained/uniformer_xs_224_in1k.pth')),
    neck=dict(in_channels=[64, 128, 256, 512]))
