# Top-down heatmap pose on a plain backbone as mmpose's ViTPose with the classic decoder (ViTPose-S, inherited here:
# mmpose's td-hm_ViTPose-small_8xb64-210e_coco-256x192.py, its UDP heatmap codec and pipeline, the HeatmapHead with
# two 4x4 deconvolutions, flip test without heatmap shift, person boxes from the detection-results file,
# CocoMetric, 210 epochs); the plugin import, ViTPose's layer-decay optimiser, the project's runner hooks and the
# visualiser workaround. A config puts its family's backbone (./backbones/<family>.py) in `model.backbone`, in place
# of mmpretrain's VisionTransformer, and the backbone's width in `model.head.in_channels` where it is not ViT-S's 384.
_base_ = 'mmpose::body_2d_keypoint/topdown_heatmap/coco/td-hm_ViTPose-small_8xb64-210e_coco-256x192.py'

# replaces the base's import of mmpose's layer-decay constructor (written for mmpretrain's names)
custom_imports = dict(imports=['backbones'], allow_failed_imports=False)

# AdamW lr 5e-4, weight decay 0.1, gradients clipped to norm 1, lr decayed by 0.8 per block from the top (as
# mmpose's LayerDecayOptimWrapperConstructor, num_layers=12): the head 1, block 12 0.8, ..., block 1 0.8^12, the
# patch and position embedding 0.8^13; no weight decay on biases and norms. The project's constructor asks the
# backbone for the layer ids (mmpose's reads mmpretrain's parameter names, `layers.i`). Unlike mmpose's, it keeps
# weight decay on pos_embed and gives the final norm the last block's lr (see configs/pose/vit/README.md).
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    constructor='LayerDepthDecayOptimWrapperConstructor',
    optimizer=dict(type='AdamW', lr=5e-4, betas=(0.9, 0.999), weight_decay=0.1),
    # mmpose's constructor exempts pos_embed from weight decay as well as the 1-D parameters
    paramwise_cfg=dict(layer_decay_rate=0.8, custom_keys={'pos_embed': dict(decay_mult=0.)}),
    clip_grad=dict(max_norm=1., norm_type=2))

# The project's runner hooks (see ./td-hm.py): AtomicCheckpointHook keeps the base's save_best='coco/AP',
# max_keep_ckpts=1; StepSeedHook beside mmpose's SyncBuffersHook (a list in a config replaces, not merges).
default_hooks = dict(checkpoint=dict(type='AtomicCheckpointHook'))
custom_hooks = [dict(type='SyncBuffersHook'), dict(type='StepSeedHook')]

# mmpose 1.3.2's OpenCV drawing calls int() on a 1-element array, which numpy 2.4 refuses
# ("only 0-dimensional arrays can be converted to Python scalars"); its matplotlib path draws the same picture.
visualizer = dict(backend='matplotlib')
