# PVT's detection optimiser (mmdet's configs/pvt): AdamW lr 1e-4, weight decay 1e-4 on every parameter; mmdet's 1x
# schedule (steps 8, 11, 500-iteration linear warm-up) for a total batch of 16 (8 GPUs x 2 images).
_base_ = 'mmdet::_base_/schedules/schedule_1x.py'

optim_wrapper = dict(optimizer=dict(_delete_=True, type='AdamW', lr=0.0001, weight_decay=0.0001))
