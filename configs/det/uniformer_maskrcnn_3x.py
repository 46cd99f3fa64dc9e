# The name users were promised: Mask R-CNN, UniFormer-S-h14, 3x + multi-scale/crop on COCO.
_base_ = './mask-rcnn_uniformer-s-h14_fpn_ms-crop-3x_coco.py'
