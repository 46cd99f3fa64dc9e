# Top-down heatmap pose with the simple deconvolution head on a backbone's stride-32 map (the official UniFormer
# pose_estimation/exp/top_down_*_global_* recipe), on mmpose's own ResNet-50 COCO config: its data pipeline, flip
# test, person boxes from the detection-results file, CocoMetric, 210 epochs; the plugin import, the optimiser, the
# project's runner hooks and the visualiser workaround. Family-neutral: mmpose's ResNet-50 stays here until a config
# puts its family's backbone (./backbones/<family>.py) in `model.backbone` and the backbone's last width in
# `model.head.in_channels`.
_base_ = 'mmpose::body_2d_keypoint/topdown_heatmap/coco/td-hm_res50_8xb64-210e_coco-256x192.py'

custom_imports = dict(imports=['backbones'], allow_failed_imports=False)

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
