# Moved to configs/det/uniformer/mask-rcnn_uniformer-toy_fpn_1x_toy-coco.py; this path keeps working.
_base_ = './uniformer/mask-rcnn_uniformer-toy_fpn_1x_toy-coco.py'
