# Moved to configs/det/uniformer/cascade-mask-rcnn_uniformer-s-h14_fpn_ms-crop-3x_coco.py; this path keeps working.
_base_ = './uniformer/cascade-mask-rcnn_uniformer-s-h14_fpn_ms-crop-3x_coco.py'
