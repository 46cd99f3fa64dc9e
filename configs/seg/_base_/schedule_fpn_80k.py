# The official Semantic FPN schedule: AdamW lr 2e-4, weight decay 1e-4, 1000-iteration linear warm-up from
# 0.1, cosine to ~0 at 80k iterations. Batch: 8 GPUs x 4 images (set in the configs).
_base_ = 'mmseg::_base_/schedules/schedule_80k.py'

# mmseg's checkpoint hook (by_epoch=False, every 8000 iterations) written atomically (see ./default_runtime.py)
default_hooks = dict(checkpoint=dict(type='AtomicCheckpointHook'))

optim_wrapper = dict(_delete_=True, type='OptimWrapper', optimizer=dict(type='AdamW', lr=2e-4, weight_decay=1e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=1000),
    dict(type='CosineAnnealingLR', T_max=79000, eta_min=2e-12, by_epoch=False, begin=1000, end=80000)
]
