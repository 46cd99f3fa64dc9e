# Mask R-CNN, UniFormer-XXS (lightweight family: token pruning, class token), 1x, COCO: 42.8 box / 39.2 mask AP, 29.4M (official).
_base_ = [
    '../_base_/mask-rcnn_uniformer_fpn.py', 'mmdet::_base_/datasets/coco_instance.py', '../_base_/schedule_adamw_1x.py',
    '../_base_/default_runtime.py'
]

model = dict(
    backbone=dict(
        _delete_=True,
        type='UniFormerLight',
        arch='xxs',
        drop_path_rate=0.,
        out_indices=(0, 1, 2, 3),
        init_cfg=dict(type='Pretrained', checkpoint='pretrained/uniformer_xxs_224_in1k.pth')),
    neck=dict(in_channels=[56, 112, 224, 448]))
