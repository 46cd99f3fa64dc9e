# UniFormer-S as the pose configs use it (official pose_estimation/exp/top_down_*_global_*): global attention, its
# last (stride-32) map, the official ImageNet checkpoint. The backbone dict only: a config puts it in its model,
# `model = dict(backbone=_base_.backbone, head=dict(in_channels=512))` (`_delete_` drops the toolbox's ResNet), and
# changes what its row changes.
backbone = dict(
    _delete_=True,
    type='UniFormer',
    arch='small',
    attn_mode='global',  # pose trains and tests global, as the official runs
    drop_path_rate=0.2,
    out_indices=(3, ),  # width 512
    init_cfg=dict(type='Pretrained', checkpoint='pretrained/uniformer_small_in1k.pth'))
