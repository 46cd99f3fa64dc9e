# A Mask R-CNN with a reduced SG-Former (every block kind: hybrid-scale and self-guided pairs in stages 1-3, plain
# attention in stage 4; global attention as published) that learns the toy shapes dataset (tools/make_toy_coco.py)
# on a CPU in minutes, from scratch. Everything else is the real thing: mmdet's CocoDataset, CocoMetric, Mask R-CNN.
# Its checkpoint can be tested with windows in stage 3 (256 px -> 16x16 tokens -> 2x2 windows of 8):
# tools/test.py ... --cfg-options model.backbone.attn_mode=window model.backbone.window_size=8
_base_ = ['../_base_/mask-rcnn_sgformer_fpn.py', '../_base_/toy-coco_instance.py']

num_classes = 3  # square, circle, triangle (../_base_/toy-coco_instance.py)
channels = 64  # FPN and head width (256 in the COCO configs)

model = dict(
    backbone=dict(
        arch=dict(_delete_=True, depths=[2, 2, 2, 1], embed_dims=[32, 64, 128, 256], num_heads=[2, 2, 4, 8]),
        drop_path_rate=0.,
        init_cfg=None),
    neck=dict(in_channels=[32, 64, 128, 256], out_channels=channels),
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
