# Mask R-CNN, CoAtNet-1 (timm's coatnet_1_rw, ImageNet-1k), hybrid attention, 3x + multi-scale/crop, COCO: no
# published result.
_base_ = './mask-rcnn_coatnet-0-rw_fpn_ms-crop-3x_coco.py'

model = dict(  # CoAtNet-1 has CoAtNet-0's widths (96, 192, 384, 768): the neck is CoAtNet-0's
    backbone=dict(arch='coatnet_1_rw', drop_path_rate=0.2,
                  init_cfg=dict(type='Pretrained', checkpoint='pretrained/coatnet_1_rw_224_sw-5cae1ea8.pth')))
