# A Mask R-CNN with a reduced CeiT (8 blocks of width 96, I2T stem of 32 channels; hybrid attention: blocks 1, 3,
# 5, 7 global, the others in 8x8 windows with the class token joined to each; the simple pyramid and ViTDet's neck
# and heads) that learns the toy shapes dataset (tools/make_toy_coco.py) on a CPU in minutes, from scratch (so its
# BatchNorms train: norm_eval=False). Its checkpoint can be tested in another attention mode:
# tools/test.py ... --cfg-options model.backbone.attn_mode=global
_base_ = ['../_base_/mask-rcnn_simple-fpn.py', '../_base_/backbones/ceit.py', '../_base_/toy-coco_instance.py']

num_classes = 3  # square, circle, triangle (../_base_/toy-coco_instance.py)
channels = 64  # pyramid and head width (256 in the COCO configs)

model = dict(
    data_preprocessor=dict(pad_size_divisor=256),  # 256x256 inputs: a 16x16 map, 2x2 windows of 8x8
    backbone=dict(
        _base_.backbone,
        arch=dict(embed_dims=96, depth=8, num_heads=3, stem_channels=32),
        pretrain_img_size=256,
        window_size=8,
        drop_path_rate=0.,
        norm_eval=False,
        init_cfg=None),
    neck=dict(in_channels=[24, 48, 96, 96], out_channels=channels),  # CeiT(arch=<the dict above>).feature_info
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
