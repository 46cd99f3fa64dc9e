# The recipe of the toy Mask R-CNN configs (configs/det/<family>/mask-rcnn_<family>-toy_fpn_1x_toy-coco.py):
# Mask R-CNN with FPN (./mask-rcnn_fpn.py) at toy width (64 channels in FPN and heads, fewer proposals and sampled
# RoIs, 3 classes) on the toy shapes dataset and schedule (./toy-coco_instance.py), AdamW lr 1e-3 with gradient
# clipping. Family-neutral: a toy config puts its family's reduced backbone in `model.backbone` and the backbone's
# widths in `model.neck.in_channels`.
_base_ = ['./mask-rcnn_fpn.py', './toy-coco_instance.py']

num_classes = 3  # square, circle, triangle (./toy-coco_instance.py)
channels = 64  # FPN and head width (256 in the COCO configs)

model = dict(
    neck=dict(out_channels=channels),
    rpn_head=dict(in_channels=channels, feat_channels=channels),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=channels, roi_layer=dict(sampling_ratio=2)),
        bbox_head=dict(in_channels=channels, fc_out_channels=256, num_classes=num_classes),
        mask_roi_extractor=dict(out_channels=channels, roi_layer=dict(sampling_ratio=2)),
        mask_head=dict(num_convs=2, in_channels=channels, conv_out_channels=channels, num_classes=num_classes)),
    train_cfg=dict(
        rpn_proposal=dict(nms_pre=500, max_per_img=200),
        rcnn=dict(sampler=dict(num=64))),
    test_cfg=dict(rpn=dict(nms_pre=500, max_per_img=300)))

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-3, betas=(0.9, 0.999), weight_decay=0.05),
    paramwise_cfg=dict(custom_keys={'norm': dict(decay_mult=0.)}),
    clip_grad=dict(max_norm=10.))
