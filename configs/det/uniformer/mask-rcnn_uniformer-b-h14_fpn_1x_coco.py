# Mask R-CNN, UniFormer-B-h14, 1x, COCO: 47.4 box / 43.1 mask AP, 69M, 399G (official).
_base_ = './mask-rcnn_uniformer-s-h14_fpn_1x_coco.py'

model = dict(
    backbone=dict(
        arch='base',
        drop_path_rate=0.3,
        with_cp=False,
        init_cfg=dict(type='Pretrained', checkpoint='pretrained/uniformer_base_in1k.pth')))
