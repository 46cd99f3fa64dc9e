# The official UperNet schedule: AdamW lr 6e-5, weight decay 0.01 (none on norms), 1500-iteration linear
# warm-up from 1e-6, then poly (power 1) to 0 at 160k iterations. Batch: 8 GPUs x 2 images (set in the configs).
_base_ = 'mmseg::_base_/schedules/schedule_160k.py'

# mmseg's checkpoint hook (by_epoch=False, every 16000 iterations) written atomically (see ./default_runtime.py)
default_hooks = dict(checkpoint=dict(type='AtomicCheckpointHook'))

optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=6e-5, betas=(0.9, 0.999), weight_decay=0.01),
    paramwise_cfg=dict(custom_keys={'norm': dict(decay_mult=0.)}))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0, end=1500),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=1500, end=160000)
]
