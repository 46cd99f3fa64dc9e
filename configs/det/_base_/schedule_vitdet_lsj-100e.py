# ViTDet's optimiser and 100-epoch schedule (detectron2 projects/ViTDet COCO/mask_rcnn_vitdet_b_100ep.py, mmdet
# projects/ViTDet lsj-100e_coco-instance.py) for a total batch of 64 (16 GPUs x 4 images):
# - AdamW lr 1e-4, betas (0.9, 0.999), weight decay 0.1, mixed precision (fp16), layer-wise lr decay 0.7: block i
#   of 12 gets 0.7^(12 - i), patch embedding and position embedding 0.7^13, the pyramid, neck and heads 1;
# - 184,375 iterations (100 epochs of COCO train2017), 250-iteration linear warm-up from 0.001, lr x0.1 at
#   163,889 and 177,546 (epochs 88 and 96); validation and a checkpoint every 5,000 iterations and at the end.
# Iteration-based, so it carries the runtime too (the project's, with its runner hooks): its checkpoint and log
# settings are per iteration.
_base_ = './default_runtime.py'

max_iters = 184375
interval = 5000

optim_wrapper = dict(
    type='AmpOptimWrapper',
    constructor='LayerDepthDecayOptimWrapperConstructor',
    # detectron2's weight-decay rule (get_default_optimizer_params(weight_decay_norm=0) + overrides pos_embed): no
    # decay on the ViT's LayerNorms (norm1 / norm2, torch LayerNorms) and the position embedding; biases, relative
    # position tables and the channel LayerNorms of pyramid, neck and heads (detectron2's own LayerNorm class,
    # not among its norm types) decay
    paramwise_cfg=dict(
        layer_decay_rate=0.7,
        no_decay_1d=False,
        custom_keys={
            'backbone.pos_embed': dict(decay_mult=0.),
            '.norm1.': dict(decay_mult=0.),
            '.norm2.': dict(decay_mult=0.)
        }),
    optimizer=dict(type='AdamW', lr=0.0001, betas=(0.9, 0.999), weight_decay=0.1))

param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=250),
    dict(type='MultiStepLR', begin=0, end=max_iters, by_epoch=False, milestones=[163889, 177546], gamma=0.1)
]
train_cfg = dict(
    type='IterBasedTrainLoop',
    max_iters=max_iters,
    val_interval=interval,
    dynamic_intervals=[(max_iters // interval * interval + 1, max_iters)])
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

default_hooks = dict(checkpoint=dict(by_epoch=False, interval=interval, save_last=True, max_keep_ckpts=5))
log_processor = dict(by_epoch=False)
# base_batch_size = 16 GPUs x 4 images
auto_scale_lr = dict(enable=False, base_batch_size=64)
