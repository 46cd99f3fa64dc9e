# Mask R-CNN, CeiT-T (official IN-1K 224 checkpoint), 1x, COCO: the CeiT-S config with the tiny backbone. No
# published result (see the README).
_base_ = './mask-rcnn_ceit-s_simple-fpn_1x_coco.py'

model = dict(
    backbone=dict(arch='tiny', init_cfg=dict(checkpoint='pretrained/ceit_tiny_patch16_224.pth')),
    neck=dict(in_channels=[48, 96, 192, 192]))  # CeiT(arch='tiny').feature_info's num_chs
