# A ViTDet-style Mask R-CNN with a reduced ViT (8 blocks of width 96; hybrid attention: blocks 1, 3, 5, 7 global,
# the others in 8x8 windows; relative position; the simple pyramid and its neck) that learns the toy shapes dataset
# (tools/make_toy_coco.py) on a CPU in minutes, from scratch. Everything else is the real thing: mmdet's
# CocoDataset, CocoMetric, Mask R-CNN with ViTDet's heads (LayerNorm), the layer-decay optimiser of the COCO configs.
_base_ = ['../_base_/mask-rcnn_vit-b_simple-fpn.py', '../_base_/default_runtime.py']

data_root = 'data/toy_coco/'
classes = ('square', 'circle', 'triangle')
channels = 64  # pyramid and head width (256 in the COCO configs)

model = dict(
    data_preprocessor=dict(pad_size_divisor=256),  # 256x256 inputs, as the COCO configs' 1024x1024
    backbone=dict(
        arch=dict(_delete_=True, embed_dims=96, depth=8, num_heads=3),
        pretrain_img_size=256,
        img_size=256,  # 16x16 tokens: 2x2 windows of 8x8
        attn_mode='hybrid',
        window_size=8,
        drop_path_rate=0.,
        init_cfg=None),
    neck=dict(in_channels=[24, 48, 96, 96], out_channels=channels),  # ViT(arch=<the dict above>).out_channels
    rpn_head=dict(in_channels=channels, feat_channels=channels),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=channels, roi_layer=dict(sampling_ratio=2)),
        bbox_head=dict(in_channels=channels, conv_out_channels=channels, fc_out_channels=256,
                       num_classes=len(classes)),
        mask_roi_extractor=dict(out_channels=channels, roi_layer=dict(sampling_ratio=2)),
        mask_head=dict(num_convs=2, in_channels=channels, conv_out_channels=channels, num_classes=len(classes))),
    train_cfg=dict(
        rpn_proposal=dict(nms_pre=500, max_per_img=200),
        rcnn=dict(sampler=dict(num=64))),
    test_cfg=dict(rpn=dict(nms_pre=500, max_per_img=300)))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='Resize', scale=(256, 256), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(256, 256), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='PackDetInputs', meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor'))
]
train_dataloader = dict(
    batch_size=4,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type='CocoDataset',
        data_root=data_root,
        metainfo=dict(classes=classes),
        ann_file='annotations/instances_train.json',
        data_prefix=dict(img='train/'),
        filter_cfg=dict(filter_empty_gt=True),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=4,
    num_workers=1,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='CocoDataset',
        data_root=data_root,
        metainfo=dict(classes=classes),
        ann_file='annotations/instances_val.json',
        data_prefix=dict(img='val/'),
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='CocoMetric', ann_file=data_root + 'annotations/instances_val.json', metric=['bbox', 'segm'])
test_evaluator = val_evaluator

max_iters = 1200
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=100),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=100, end=max_iters, eta_min=1e-5)
]
optim_wrapper = dict(
    type='OptimWrapper',
    constructor='LayerDepthDecayOptimWrapperConstructor',
    paramwise_cfg=dict(layer_decay_rate=0.9),
    optimizer=dict(type='AdamW', lr=1e-3, betas=(0.9, 0.999), weight_decay=0.05),
    clip_grad=dict(max_norm=10.))
default_hooks = dict(
    logger=dict(interval=25),
    checkpoint=dict(by_epoch=False, interval=250, max_keep_ckpts=2))  # AtomicCheckpointHook of the runtime
log_processor = dict(by_epoch=False)
randomness = dict(seed=0)
