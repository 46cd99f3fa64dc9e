# ViT-B/16 as mmseg's ViT UperNet configs use their VisionTransformer (configs/_base_/models/upernet_vit-b16_ln_mln.py):
# the raw stride-16 maps of blocks 3 / 6 / 9 / 12, the class token through the blocks, global attention, timm's
# ViT-B/16 checkpoint. The backbone dict only: a config puts it in its model, `model = dict(backbone=_base_.backbone)`
# (`_delete_` drops the toolbox's backbone), and changes what its row changes.
backbone = dict(
    _delete_=True,
    type='ViT',
    arch='vit-base',
    pretrain_img_size=512,  # mmseg's img_size=(512, 512): a 32x32 position grid (+ the class token)
    with_cls_token=True,  # the class token runs through the blocks as in mmseg's ViT (never an output)
    attn_mode='global',
    out_indices=(2, 5, 8, 11),
    pyramid=None,  # the raw stride-16 maps of blocks 3 / 6 / 9 / 12, as mmseg's ViT returns them
    final_norm=False,  # mmseg's default; the "+ LN" rows (final_norm=True) are not among these configs
    drop_path_rate=0.,
    init_cfg=dict(type='Pretrained', checkpoint='pretrained/jx_vit_base_p16_224-80ecf9dd.pth'))
