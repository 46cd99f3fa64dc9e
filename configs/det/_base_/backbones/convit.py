# ConViT-S as the detection configs use it: the official class token (joining before block 10, never an output),
# hybrid attention (the ten GPSA blocks in 14x14 windows, the pretraining grid; the two MHSA blocks, which the class
# token joins, global), ViTDet's simple pyramid from the last block (strides 4-32), the official ImageNet checkpoint.
# The backbone dict only: a config puts it in its model, `model = dict(backbone=_base_.backbone,
# neck=dict(in_channels=...))` (`_delete_` drops the toolbox's ResNet), and changes what its row changes.
backbone = dict(
    _delete_=True,
    type='ConViT',
    arch='small',
    with_cls_token=True,
    attn_mode='hybrid',
    window_size=14,
    out_indices=-1,
    pyramid=(4, 2, 1, 0.5),  # widths 108, 216, 432, 432 (the num_chs of ConViT(arch='small').feature_info)
    drop_path_rate=0.1,  # the official ImageNet value of ConViT-S: no downstream value is published
    # the official ImageNet checkpoint (dl.fbaipublicfiles.com/convit/convit_small.pth), as released
    init_cfg=dict(type='Pretrained', checkpoint='pretrained/convit_small.pth'))
