# SG-Former-S as the detection configs use it: global attention as published, the official ImageNet checkpoint.
# The backbone dict only: a config puts it in its model, `model = dict(backbone=_base_.backbone,
# neck=dict(in_channels=...))` (`_delete_` drops the toolbox's ResNet), and changes what its row changes.
backbone = dict(
    _delete_=True,
    type='SGFormer',
    arch='s',
    drop_path_rate=0.1,  # the arch's ImageNet value (S 0.1, M 0.2, B 0.4): no downstream value is published
    out_indices=(0, 1, 2, 3),  # widths 64, 128, 256, 512
    # the official ImageNet checkpoint (Google Drive of OliverRensu/SG-Former), as released
    init_cfg=dict(type='Pretrained', checkpoint='pretrained/sgformer_s.pth'))
