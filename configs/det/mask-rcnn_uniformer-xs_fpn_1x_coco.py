# Mask R-CNN, UniFormer-XS (lightweight family: token pruning, class token), 1x, COCO: 44.6 box / 40.9 mask AP, 35.6M (official).
_base_ = [
    './_base_/mask-rcnn_uniformer_fpn.py', 'mmdet::_base_/datasets/coco_instance.py', './_base_/schedule_adamw_1x.py',
    'mmdet::_base_/default_runtime.py'
]

model = dict(
    backbone=dict(
        _delete_=True,
        type='UniFormerLight',
        arch='xs',
        drop_path_rate=0.15,
        out_indices=(0, 1, 2, 3),
        init_cfg=dict(type='Pretrained', checkpoint='pretrained/uniformer_xs_224_in1k.pth')),
    neck=dict(in_channels=[64, 128, 256, 512]))
