# The schedule of mmseg's ViT / DeiT UperNet configs (configs/vit/vit_*_upernet_8xb2-80k_ade20k-512x512.py): AdamW
# lr 6e-5, weight decay 0.01, 1500-iteration linear warm-up from 1e-6, then poly (power 1) to 0 at 80k
# iterations. Batch: 8 GPUs x 2 images (set in the configs).
_base_ = 'mmseg::_base_/schedules/schedule_80k.py'

# mmseg's checkpoint hook (by_epoch=False, every 8000 iterations) written atomically (see ./default_runtime.py)
default_hooks = dict(checkpoint=dict(type='AtomicCheckpointHook'))

# mmseg's configs list custom_keys pos_embed, cls_token and 'norm' (decay_mult 0), but in mmseg's ViT the
# LayerNorms are named ln1 / ln2 and the heads' BatchNorms bn, so 'norm' matched no parameter: only the position
# embedding and the class token were trained without weight decay. This project's ViT names its LayerNorms
# norm1 / norm2, where 'norm' would match; it is left out so that the published runs' decay is reproduced.
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
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=1500, end=80000)
]
