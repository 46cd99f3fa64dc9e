# A Mask R-CNN with a reduced UniFormer (every block kind, hybrid attention kept) that learns the toy shapes
# dataset (tools/make_toy_coco.py) on a CPU in minutes: what `make demo` trains, evaluates and draws.
# Everything else is the real thing: mmdet's CocoDataset, CocoMetric, Mask R-CNN, this project's tools.
_base_ = ['../_base_/mask-rcnn_uniformer_fpn.py', '../_base_/toy-coco_instance.py']

num_classes = 3  # square, circle, triangle (../_base_/toy-coco_instance.py)
channels = 64  # FPN and head width (256 in the COCO configs)

model = dict(
    backbone=dict(
        arch=dict(_delete_=True, depths=[1, 1, 4, 1], embed_dims=[32, 64, 128, 256], head_dim=32),
        attn_mode='hybrid',
        window_size=8,  # 256 px -> 16x16 stage-3 tokens -> 2x2 windows; block 4 global
        drop_path_rate=0.,
        with_cp=False,
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
