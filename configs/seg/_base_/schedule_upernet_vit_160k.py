# ./schedule_upernet_vit_80k.py over 160k iterations (mmseg's configs/vit/vit_*_upernet_8xb2-160k_*): the same
# optimizer and warm-up, poly to 0 at 160k, checkpoints and validation every 16000 iterations.
_base_ = 'mmseg::_base_/schedules/schedule_160k.py'

default_hooks = dict(checkpoint=dict(type='AtomicCheckpointHook'))

# custom_keys: see ./schedule_upernet_vit_80k.py (no 'norm': mmseg's key matched no parameter of its ViT)
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=6e-5, betas=(0.9, 0.999), weight_decay=0.01),
    paramwise_cfg=dict(custom_keys={
        'pos_embed': dict(decay_mult=0.),
        'cls_token': dict(decay_mult=0.)
    }))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0, end=1500),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=1500, end=160000)
]
