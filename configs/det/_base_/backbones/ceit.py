# CeiT-S as the detection configs use it: the official ImageNet checkpoint (224, class token kept and run through
# every block as in pretraining), hybrid attention (blocks 2, 5, 8, 11 global, the others in 14x14 windows with the
# class token joined to each, ViTDet's adaptation), the simple pyramid (two deconvolutions, identity, max-pool) from
# the last block, strides 4-32, widths the num_chs of CeiT(arch='small').feature_info. The BatchNorms of the I2T stem
# and the LeFFs keep their ImageNet statistics (norm_eval, as mmdet's ResNets at 2 images per GPU). The backbone dict
# only: a config puts it in its model, `model = dict(backbone=_base_.backbone, neck=dict(in_channels=...))`
# (`_delete_` drops the toolbox's ResNet), and changes what its row changes.
backbone = dict(
    _delete_=True,
    type='CeiT',
    arch='small',
    pretrain_img_size=224,  # the 14x14 position grid of the 224 checkpoints, resized to the input's at every forward
    with_cls_token=True,
    attn_mode='hybrid',
    window_size=14,
    drop_path_rate=0.1,  # the official ImageNet value
    out_indices=-1,
    pyramid=(4, 2, 1, 0.5),  # widths 96, 192, 384, 384
    norm_eval=True,
    init_cfg=dict(type='Pretrained', checkpoint='pretrained/ceit_small_patch16_224.pth'))
