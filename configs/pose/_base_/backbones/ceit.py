# CeiT-S as the pose configs use it, in ViTPose's design: the official ImageNet checkpoint (224, class token kept and
# run through every block as in pretraining), global attention (a 16x12 map at 256x192), the last block's stride-16
# map (no pyramid; ViTPose's classic decoder upsamples it), 384 channels. At 64 images per GPU the BatchNorms of the
# I2T stem and the LeFFs train. The backbone dict only: a config puts it in its model,
# `model = dict(backbone=_base_.backbone)` (`_delete_` drops the toolbox's backbone), and changes what its row changes.
backbone = dict(
    _delete_=True,
    type='CeiT',
    arch='small',
    pretrain_img_size=224,  # the 14x14 position grid of the 224 checkpoints, resized to 16x12 at every forward
    with_cls_token=True,
    attn_mode='global',
    out_indices=-1,
    pyramid=None,
    drop_path_rate=0.1,  # the official ImageNet value (ViTPose-S's too)
    init_cfg=dict(type='Pretrained', checkpoint='pretrained/ceit_small_patch16_224.pth'))
