# SG-Former-S as the pose configs use it: global attention as published, its last (stride-32) map, the official
# ImageNet checkpoint. The backbone dict only: a config puts it in its model, `model = dict(backbone=_base_.backbone,
# head=dict(in_channels=512))` (`_delete_` drops the toolbox's ResNet), and changes what its row changes.
backbone = dict(
    _delete_=True,
    type='SGFormer',
    arch='s',
    drop_path_rate=0.1,  # the arch's ImageNet value
    out_indices=(3, ),  # width 512
    init_cfg=dict(type='Pretrained', checkpoint='pretrained/sgformer_s.pth'))
