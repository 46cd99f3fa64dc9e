# ViTDet: Cascade Mask R-CNN, ViT-B (MAE, IN-1K), hybrid attention (14x14 windows, 4 global blocks), relative
# position, simple feature pyramid, LSJ 1024, 100 epochs at batch 64, COCO: 54.0 box / 46.7 mask AP (detectron2,
# official).
_base_ = [
    '../_base_/cascade-mask-rcnn_simple-fpn.py', '../_base_/backbones/vit.py',
    '../_base_/coco_instance_vitdet-lsj-1024.py', '../_base_/schedule_vitdet_lsj-100e.py'
]

# neck: the num_chs of ViT(arch='vit-base').feature_info
model = dict(backbone=_base_.backbone, neck=dict(in_channels=[192, 384, 768, 768]))
