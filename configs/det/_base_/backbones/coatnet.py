# CoAtNet-0 (timm's coatnet_0_rw) as the detection configs use it: hybrid attention (stage-3 and -4 blocks in windows
# of their map at 224, 14x14 and 7x7, where timm's ImageNet tables are used as trained; the last block of each of the
# two stages global, its table resized to the map), ImageNet BatchNorm statistics kept (2 images per GPU), timm's
# ImageNet-1k checkpoint as released. The backbone dict only: a config puts it in its model,
# `model = dict(backbone=_base_.backbone, neck=dict(in_channels=...))` (`_delete_` drops the toolbox's ResNet), and
# changes what its row changes.
backbone = dict(
    _delete_=True,
    type='CoAtNet',
    arch='coatnet_0_rw',
    attn_mode='hybrid',
    drop_path_rate=0.1,  # our choice: no downstream value is published for these models
    norm_eval=True,
    out_indices=(0, 1, 2, 3),  # widths 96, 192, 384, 768
    # timm's coatnet_0_rw_224.sw_in1k (its GitHub release file), as released
    init_cfg=dict(type='Pretrained', checkpoint='pretrained/coatnet_0_rw_224_sw-a6439706.pth'))
