# Cascade Mask R-CNN (4-conv-1-fc heads, GIoU), UniFormer-B-h14, 3x + multi-scale/crop, COCO:
# 53.8 box / 46.4 mask AP, 107M, 878G (official).
_base_ = './cascade-mask-rcnn_uniformer-s-h14_fpn_ms-crop-3x_coco.py'

model = dict(
    backbone=dict(
        arch='base',
        drop_path_rate=0.4,
        with_cp=[0, 0, 20, 0],
        init_cfg=dict(type='Pretrained', checkpoint='pretrained/uniformer_base_in1k.pth')))
