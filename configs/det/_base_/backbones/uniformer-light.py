# UniFormer-Light XXS (the lightweight UniFormers: token pruning, class token; global attention only) as the
# detection configs use it, with the official ImageNet checkpoint. The backbone dict only: a config puts it in its
# model, `model = dict(backbone=_base_.backbone, neck=dict(in_channels=...))` (`_delete_` drops the toolbox's
# ResNet), and changes what its row changes.
backbone = dict(
    _delete_=True,
    type='UniFormerLight',
    arch='xxs',
    drop_path_rate=0.,
    out_indices=(0, 1, 2, 3),  # widths 56, 112, 224, 448
    init_cfg=dict(type='Pretrained', checkpoint='pretrained/uniformer_xxs_224_in1k.pth'))
