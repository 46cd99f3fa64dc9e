# CoAtNet-0 (timm's coatnet_0_rw) as the segmentation configs use it: global attention (at 512x512 the stage-3 map
# is 32x32: each table is resized to its map, as timm's set_input_size), ImageNet BatchNorm statistics kept (2 images
# per GPU), timm's ImageNet-1k checkpoint as released. The backbone dict only: a config puts it in its model,
# `model = dict(backbone=_base_.backbone, ...)` (`_delete_` drops the toolbox's ResNet), and changes what its row
# changes.
backbone = dict(
    _delete_=True,
    type='CoAtNet',
    arch='coatnet_0_rw',
    attn_mode='global',
    drop_path_rate=0.1,  # our choice: no downstream value is published for these models
    norm_eval=True,
    out_indices=(0, 1, 2, 3),  # widths 96, 192, 384, 768
    init_cfg=dict(type='Pretrained', checkpoint='pretrained/coatnet_0_rw_224_sw-a6439706.pth'))
