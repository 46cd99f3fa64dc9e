# Cascade Mask R-CNN with FPN and the 4-conv-1-fc box heads of Swin's and UniFormer's official 3x configs (SyncBN,
# GIoU loss, class-specific boxes), on mmdet's own Cascade Mask R-CNN model config, and the plugin import.
# Family-neutral: a config puts its family's backbone (./backbones/<family>.py) in `model.backbone` and the
# backbone's widths in `model.neck.in_channels`.
_base_ = 'mmdet::_base_/models/cascade-mask-rcnn_r50_fpn.py'

custom_imports = dict(imports=['backbones'], allow_failed_imports=False)


def _box_head(stds):
    return dict(
        type='ConvFCBBoxHead',
        num_shared_convs=4,
        num_shared_fcs=1,
        in_channels=256,
        conv_out_channels=256,
        fc_out_channels=1024,
        roi_feat_size=7,
        num_classes=80,
        bbox_coder=dict(type='DeltaXYWHBBoxCoder', target_means=[0., 0., 0., 0.], target_stds=stds),
        reg_class_agnostic=False,
        reg_decoded_bbox=True,
        norm_cfg=dict(type='SyncBN', requires_grad=True),
        loss_cls=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
        loss_bbox=dict(type='GIoULoss', loss_weight=10.0))


model = dict(roi_head=dict(bbox_head=[
    _box_head([0.1, 0.1, 0.2, 0.2]),
    _box_head([0.05, 0.05, 0.1, 0.1]),
    _box_head([0.033, 0.033, 0.067, 0.067]),
]))
