# ConViT-S as the pose configs use it (ViTPose's design: the last block's stride-16 map after the final LayerNorm):
# the official class token (joining before block 10, never an output), global attention (a 16x12 map at 256x192),
# the official ImageNet checkpoint (its 14x14 position grid resized to each input's). The backbone dict only: a
# config puts it in its model, `model = dict(backbone=_base_.backbone)` (`_delete_` drops the toolbox's backbone),
# and changes what its row changes.
backbone = dict(
    _delete_=True,
    type='ConViT',
    arch='small',
    with_cls_token=True,
    attn_mode='global',
    out_indices=-1,
    pyramid=None,  # the last block's stride-16 map
    final_norm=True,  # the checkpoint's final LayerNorm, as ViTPose
    drop_path_rate=0.1,
    init_cfg=dict(type='Pretrained', checkpoint='pretrained/convit_small.pth'))
