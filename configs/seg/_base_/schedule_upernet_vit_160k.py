# ./schedule_upernet_vit_80k.py over 160k iterations (mmseg's configs/vit/vit_*_upernet_8xb2-160k_*): the same
# optimizer and warm-up, poly to 0 at 160k, checkpoints and validation every 16000 iterations (mmseg's
# schedule_160k.py).
_base_ = './schedule_upernet_vit_80k.py'

train_cfg = dict(max_iters=160000, val_interval=16000)
default_hooks = dict(checkpoint=dict(interval=16000))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0, end=1500),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=1500, end=160000)
]
