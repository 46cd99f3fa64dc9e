# Mask R-CNN, CoAtNet-0 (timm's coatnet_0_rw, ImageNet-1k), hybrid attention, 3x + multi-scale/crop, COCO: no
# published result (see the README).
_base_ = [
    '../_base_/mask-rcnn_fpn.py', '../_base_/backbones/coatnet.py', '../_base_/coco_instance_ms-crop.py',
    '../_base_/schedule_adamw_3x.py', '../_base_/default_runtime.py'
]

model = dict(backbone=_base_.backbone, neck=dict(in_channels=[96, 192, 384, 768]))
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'relative_position_bias_table': dict(decay_mult=0.)}))
