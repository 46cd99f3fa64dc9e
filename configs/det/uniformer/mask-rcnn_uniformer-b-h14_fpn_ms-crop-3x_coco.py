# Mask R-CNN, UniFormer-B-h14, 3x + multi-scale/crop, COCO: 50.3 box / 44.8 mask AP, 69M, 399G (official).
_base_ = './mask-rcnn_uniformer-s-h14_fpn_ms-crop-3x_coco.py'

model = dict(
    backbone=dict(
        arch='base',
        drop_path_rate=0.3,
        with_cp=[0, 0, 20, 0],
        init_cfg=dict(type='Pretrained', checkpoint='pretrained/uniformer_base_in1k.pth')))
