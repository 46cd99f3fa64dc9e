# Mask R-CNN, ConViT-Ti, 1x, COCO: the ConViT-S config with the tiny backbone. No published result.
_base_ = './mask-rcnn_convit-s-h14_fpn_1x_coco.py'

model = dict(
    backbone=dict(arch='tiny', init_cfg=dict(checkpoint='pretrained/convit_tiny.pth')),
    neck=dict(in_channels=[48, 96, 192, 192]))  # ConViT(arch='tiny').feature_info's num_chs
