# Cascade Mask R-CNN of ViTDet for a plain (single-scale) backbone (detectron2 projects/ViTDet
# COCO/cascade_mask_rcnn_vitdet_b_100ep.py), on mmdet's own Cascade Mask R-CNN model config, and the plugin import:
# the simple pyramid neck, RPN and input padding of ./mask-rcnn_simple-fpn.py; three class-agnostic 4-conv-1-fc box
# heads with LayerNorm (box deltas weighted 10/5, 20/10, 30/15, L1 loss as detectron2's smooth L1 with beta 0, IoU
# 0.5/0.6/0.7); mask heads with LayerNorm. A config puts its family's backbone (./backbones/<family>.py) in
# `model.backbone` and the backbone's widths in `model.neck.in_channels`.
_base_ = 'mmdet::_base_/models/cascade-mask-rcnn_r50_fpn.py'

custom_imports = dict(imports=['backbones'], allow_failed_imports=False)

norm_cfg = dict(type='LN2d', eps=1e-6, requires_grad=True)  # as in ./mask-rcnn_simple-fpn.py


def _box_head(stds):
    return dict(
        type='Shared4Conv1FCBBoxHead',
        in_channels=256,
        conv_out_channels=256,
        fc_out_channels=1024,
        roi_feat_size=7,
        num_classes=80,
        norm_cfg=norm_cfg,
        bbox_coder=dict(type='DeltaXYWHBBoxCoder', target_means=[0., 0., 0., 0.], target_stds=stds),
        reg_class_agnostic=True,
        loss_cls=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
        loss_bbox=dict(type='L1Loss', loss_weight=1.0))


model = dict(
    # every input padded to 1024x1024 after normalisation (with the mean, as detectron2's square_pad=1024; masks
    # too): LSJ crops and test images (long side 1024) are at most 1024 a side
    data_preprocessor=dict(pad_size_divisor=1024),
    neck=dict(_delete_=True, type='SimplePyramidNeck', out_channels=256, num_outs=5, norm_cfg=norm_cfg),
    rpn_head=dict(num_convs=2, loss_bbox=dict(_delete_=True, type='L1Loss', loss_weight=1.0)),
    roi_head=dict(
        bbox_head=[
            _box_head([0.1, 0.1, 0.2, 0.2]),
            _box_head([0.05, 0.05, 0.1, 0.1]),
            _box_head([0.033, 0.033, 0.067, 0.067]),
        ],
        mask_head=dict(norm_cfg=norm_cfg)))
