# The recipe of the toy Mask R-CNN configs on a plain backbone's simple pyramid
# (configs/det/<family>/mask-rcnn_<family>-toy_simple-fpn_1x_toy-coco.py): ./mask-rcnn_simple-fpn.py at toy width
# (64 channels in the neck and heads, fewer proposals and sampled RoIs, 3 classes), inputs padded to 256x256 (as the
# COCO configs' 1024x1024), on the toy shapes dataset and schedule (./toy-coco_instance.py), AdamW lr 1e-3 with
# layer decay 0.9 and gradient clipping. Family-neutral: a toy config puts its family's reduced backbone in
# `model.backbone` and the pyramid's widths in `model.neck.in_channels`.
_base_ = ['./mask-rcnn_simple-fpn.py', './toy-coco_instance.py']

num_classes = 3  # square, circle, triangle (./toy-coco_instance.py)
channels = 64  # pyramid and head width (256 in the COCO configs)

model = dict(
    data_preprocessor=dict(pad_size_divisor=256),
    neck=dict(out_channels=channels),
    rpn_head=dict(in_channels=channels, feat_channels=channels),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=channels, roi_layer=dict(sampling_ratio=2)),
        bbox_head=dict(in_channels=channels, conv_out_channels=channels, fc_out_channels=256,
                       num_classes=num_classes),
        mask_roi_extractor=dict(out_channels=channels, roi_layer=dict(sampling_ratio=2)),
        mask_head=dict(num_convs=2, in_channels=channels, conv_out_channels=channels, num_classes=num_classes)),
    train_cfg=dict(
        rpn_proposal=dict(nms_pre=500, max_per_img=200),
        rcnn=dict(sampler=dict(num=64))),
    test_cfg=dict(rpn=dict(nms_pre=500, max_per_img=300)))

optim_wrapper = dict(
    type='OptimWrapper',
    constructor='LayerDepthDecayOptimWrapperConstructor',
    paramwise_cfg=dict(layer_decay_rate=0.9),
    optimizer=dict(type='AdamW', lr=1e-3, betas=(0.9, 0.999), weight_decay=0.05),
    clip_grad=dict(max_norm=10.))
