# CoAtNet-0 (timm's coatnet_0_rw) as the pose configs use it: global attention (a 256x192 crop gives 16x12 and 8x6
# maps: each table is resized to its map), its last (stride-32) map, timm's ImageNet-1k checkpoint as released. The
# backbone dict only: a config puts it in its model, `model = dict(backbone=_base_.backbone,
# head=dict(in_channels=768))` (`_delete_` drops the toolbox's ResNet), and changes what its row changes.
backbone = dict(
    _delete_=True,
    type='CoAtNet',
    arch='coatnet_0_rw',
    attn_mode='global',
    drop_path_rate=0.1,  # our choice: no downstream value is published for these models
    out_indices=(3, ),  # width 768
    init_cfg=dict(type='Pretrained', checkpoint='pretrained/coatnet_0_rw_224_sw-a6439706.pth'))
