# Moved to configs/det/uniformer/mask-rcnn_uniformer-xs_fpn_1x_coco.py; this path keeps working.
_base_ = './uniformer/mask-rcnn_uniformer-xs_fpn_1x_coco.py'
