# ViTPose-S's backbone (mmpose's td-hm_ViTPose-small_8xb64-210e_coco-256x192.py, mmpretrain's VisionTransformer
# there) as this project's ViT: 12 blocks of 384 channels and 12 heads, no class token, global attention, the last
# block's stride-16 map after a final LayerNorm, the MAE checkpoint mmpose converts. The backbone dict only: a config
# puts it in its model, `model = dict(backbone=_base_.backbone)` (`_delete_` drops the toolbox's backbone), and
# changes what its row changes.
backbone = dict(
    _delete_=True,
    type='ViT',
    arch=dict(embed_dims=384, depth=12, num_heads=12),  # ViTPose-S: 12 heads of 32 channels (DeiT-S has 6)
    pretrain_img_size=(256, 192),  # mmpretrain's img_size=(256, 192): a 16x12 position grid, no class token
    patch_padding=2,  # mmpretrain's patch_cfg=dict(padding=2): still a 16x12 grid at 256x192
    with_cls_token=False,
    attn_mode='global',
    out_indices=-1,
    pyramid=None,  # the last block's stride-16 map, as mmpretrain's out_type='featmap'
    final_norm=True,  # mmpretrain's default: LayerNorm after the last block
    drop_path_rate=0.1,
    init_cfg=dict(type='Pretrained', checkpoint='pretrained/mae_pretrain_vit_small_20230913.pth'))
