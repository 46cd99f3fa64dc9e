# Top-down heatmap pose with a UniFormer backbone and the simple deconvolution head (official
# pose_estimation/exp/top_down_*_global_*), on mmpose's own ResNet-50 COCO config: its data pipeline, flip
# test, person boxes from the detection-results file, CocoMetric.
_base_ = 'mmpose::body_2d_keypoint/topdown_heatmap/coco/td-hm_res50_8xb64-210e_coco-256x192.py'

custom_imports = dict(imports=['backbones'], allow_failed_imports=False)

model = dict(
    backbone=dict(
        _delete_=True,
        type='UniFormer',
        arch='small',
        attn_mode='global',  # pose trains and tests global, as the official runs
        drop_path_rate=0.2,
        out_indices=(3, ),
        init_cfg=dict(type='Pretrained', checkpoint='pretrained/uniformer_small_in1k.pth')),
    head=dict(in_channels=512))

# AdamW, weight decay 0.01, 500-iteration linear warm-up, steps at 170 and 200 of 210 epochs, fp16 in the
# official runs (--amp here).
optim_wrapper = dict(optimizer=dict(_delete_=True, type='AdamW', lr=2e-3, betas=(0.9, 0.999), weight_decay=0.01))
train_dataloader = dict(batch_size=128)
val_dataloader = dict(batch_size=256)
test_dataloader = val_dataloader
auto_scale_lr = dict(base_batch_size=1024)

# The project's runner hooks, which `import backbones` (custom_imports above) registers in mmengine's root HOOKS
# registry, so they work under this project's tools and mmpose's own alike: AtomicCheckpointHook is mmengine's
# CheckpointHook (the base's interval=10, save_best='coco/AP' are kept by the merge) writing checkpoints and
# last_checkpoint atomically; StepSeedHook reseeds the random generators before every iteration, so a resumed run
# continues exactly. They are set here, not in a runtime base of ours: mmpose's runtime reaches every pose config
# through the ResNet-50 config above, and mmengine refuses a key defined by two bases of one config.
default_hooks = dict(checkpoint=dict(type='AtomicCheckpointHook'))
custom_hooks = [dict(type='SyncBuffersHook'), dict(type='StepSeedHook')]  # mmpose's runtime has SyncBuffersHook

# mmpose 1.3.2's OpenCV drawing calls int() on a 1-element array, which numpy 2.4 refuses
# ("only 0-dimensional arrays can be converted to Python scalars"); its matplotlib path draws the same picture.
visualizer = dict(backend='matplotlib')
