# The official optimiser: AdamW lr 1e-4, weight decay 0.05, none on norms; mmdet's 1x schedule (steps 8, 11,
# 500-iteration linear warm-up) for a total batch of 16 (8 GPUs x 2 images).
_base_ = 'mmdet::_base_/schedules/schedule_1x.py'

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(_delete_=True, type='AdamW', lr=0.0001, betas=(0.9, 0.999), weight_decay=0.05),
    paramwise_cfg=dict(custom_keys={'norm': dict(decay_mult=0.)}))
