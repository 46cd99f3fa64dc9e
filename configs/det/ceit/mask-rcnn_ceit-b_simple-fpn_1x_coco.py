# Mask R-CNN, CeiT-B (official IN-1K 224 checkpoint), 1x, COCO: the CeiT-S config with the base backbone. No
# published result (see the README).
_base_ = './mask-rcnn_ceit-s_simple-fpn_1x_coco.py'

model = dict(
    backbone=dict(arch='base', init_cfg=dict(checkpoint='pretrained/ceit_base_patch16_224.pth')),
    neck=dict(in_channels=[192, 384, 768, 768]))  # CeiT(arch='base').feature_info's num_chs
