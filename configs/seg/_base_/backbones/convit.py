# ConViT-S as the segmentation configs use it: the official class token (joining before block 10, never an output),
# global attention (a 32x32 map at 512x512: every GPSA block sees the whole map, as in pretraining), ViTDet's simple
# pyramid from the last block (strides 4-32), the official ImageNet checkpoint. The backbone dict only: a config puts
# it in its model, `model = dict(backbone=_base_.backbone)` (`_delete_` drops the toolbox's backbone), and changes
# what its row changes.
backbone = dict(
    _delete_=True,
    type='ConViT',
    arch='small',
    with_cls_token=True,
    attn_mode='global',
    out_indices=-1,
    pyramid=(4, 2, 1, 0.5),  # widths 108, 216, 432, 432 (the num_chs of ConViT(arch='small').feature_info)
    drop_path_rate=0.1,  # the official ImageNet value of ConViT-S: no downstream value is published
    init_cfg=dict(type='Pretrained', checkpoint='pretrained/convit_small.pth'))
