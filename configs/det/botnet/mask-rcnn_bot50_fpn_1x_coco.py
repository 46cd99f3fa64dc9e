# Mask R-CNN, BoT50, 1x, COCO: no published result for this setting (the paper's Table 1 trains at 1024 with
# large-scale jitter, see ./mask-rcnn_bot50_fpn_lsj-1024-36e_coco.py; no BoT50 weights were released). mmdet's own
# ResNet-50 recipe (SGD lr 0.02 for 16 images, 12 epochs, 1333x800), so that the comparison with mmdet's
# mask-rcnn_r50_fpn_1x_coco (38.2 box / 34.7 mask AP) changes the c5 blocks only.
_base_ = [
    '../_base_/mask-rcnn_fpn.py', '../_base_/backbones/botnet.py', 'mmdet::_base_/datasets/coco_instance.py',
    'mmdet::_base_/schedules/schedule_1x.py', '../_base_/default_runtime.py'
]

model = dict(backbone=_base_.backbone)
