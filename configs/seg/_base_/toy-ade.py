# The toy ADE20K-layout dataset (tools/make_toy_ade.py) as every toy seg config uses it: mmseg's BaseSegDataset
# with 5 classes, 192x192 crops of images resized to about 256, IoUMetric, a CPU-sized multi-scale + flip test
# (--tta), 800 iterations (linear warm-up, poly), the project's runtime. A toy config takes this and a model
# base, and sets its model (data_preprocessor size=crop_size, 5 classes) and optimiser.
_base_ = './default_runtime.py'

data_root = 'data/toy_ade/'
metainfo = dict(
    classes=('sky', 'ground', 'disc', 'box', 'band'),
    palette=[[70, 130, 180], [140, 110, 70], [220, 20, 60], [250, 170, 30], [107, 142, 35]])
crop_size = (192, 192)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', reduce_zero_label=True),
    dict(type='RandomResize', scale=(256, 256), ratio_range=(0.75, 1.25), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(256, 256), keep_ratio=True),
    dict(type='LoadAnnotations', reduce_zero_label=True),
    dict(type='PackSegInputs')
]
# multi-scale + flip testing (tools/test.py --tta): two scales, both flips, a CPU-sized version of the ADE20K
# configs' tta_pipeline
tta_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='TestTimeAug', transforms=[
        [dict(type='Resize', scale_factor=0.75, keep_ratio=True),
         dict(type='Resize', scale_factor=1.25, keep_ratio=True)],
        [dict(type='RandomFlip', prob=0., direction='horizontal'),
         dict(type='RandomFlip', prob=1., direction='horizontal')],
        [dict(type='LoadAnnotations', reduce_zero_label=True)],
        [dict(type='PackSegInputs')]])
]
_dataset = dict(type='BaseSegDataset', data_root=data_root, metainfo=metainfo, img_suffix='.jpg',
                seg_map_suffix='.png', reduce_zero_label=True)
train_dataloader = dict(
    batch_size=8,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        **_dataset,
        data_prefix=dict(img_path='images/training', seg_map_path='annotations/training'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        **_dataset,
        data_prefix=dict(img_path='images/validation', seg_map_path='annotations/validation'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator

max_iters = 800
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=50),
    dict(type='PolyLR', power=1.0, eta_min=1e-5, by_epoch=False, begin=50, end=max_iters)
]
default_hooks = dict(  # mmseg keeps these in its schedule configs, which the toy config does not inherit
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=25, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='AtomicCheckpointHook', by_epoch=False, interval=200, max_keep_ckpts=2),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))
log_processor = dict(by_epoch=False)
randomness = dict(seed=0)
