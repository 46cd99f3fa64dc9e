# Mask R-CNN, ConViT-B, 1x, COCO: the ConViT-S config with the base backbone (drop path 0.1 as S: no downstream value
# is published). No published result.
_base_ = './mask-rcnn_convit-s-h14_fpn_1x_coco.py'

model = dict(
    backbone=dict(arch='base', init_cfg=dict(checkpoint='pretrained/convit_base.pth')),
    neck=dict(in_channels=[192, 384, 768, 768]))  # ConViT(arch='base').feature_info's num_chs
