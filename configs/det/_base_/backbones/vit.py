# ViT-B as ViTDet uses it (detectron2 projects/ViTDet common/models/mask_rcnn_vitdet.py): hybrid attention (blocks
# 2, 5, 8, 11 global, the others in 14x14 windows), decomposed relative position sized for 1024x1024 inputs, drop
# path 0.1, the MAE checkpoint; the simple pyramid (two deconvolutions, identity, max-pool) from the last block,
# strides 4-32, channels the num_chs of ViT.feature_info. The backbone dict only: a config puts it in its model,
# `model = dict(backbone=_base_.backbone, neck=dict(in_channels=...))` (`_delete_` drops the toolbox's ResNet), and
# changes what its row changes.
backbone = dict(
    _delete_=True,
    type='ViT',
    arch='vit-base',
    pretrain_img_size=224,  # MAE's 14x14 position grid, resized to the input's at every forward
    img_size=1024,  # the global blocks' relative-position tables: 2 * 64 - 1 rows
    attn_mode='hybrid',
    window_size=14,
    rel_pos=True,
    drop_path_rate=0.1,
    out_indices=-1,
    pyramid=(4, 2, 1, 0.5),  # widths 192, 384, 768, 768 (the num_chs of ViT(arch='vit-base').feature_info)
    init_cfg=dict(type='Pretrained', checkpoint='pretrained/mae_pretrain_vit_base.pth'))
