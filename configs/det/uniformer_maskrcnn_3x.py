# Name promised first (S-h14, 3x+MS), now configs/det/uniformer/mask-rcnn_uniformer-s-h14_fpn_ms-crop-3x_coco.py.
_base_ = './uniformer/mask-rcnn_uniformer-s-h14_fpn_ms-crop-3x_coco.py'
