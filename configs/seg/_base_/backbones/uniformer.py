# UniFormer-S as the segmentation configs use it (official semantic_segmentation/configs/_base_/models/
# upernet_uniformer.py): trained with global attention (window_size is what the -h14 configs' hybrid attention
# uses), drop path 0.25 (UperNet's; Semantic FPN's is 0.1), the official ImageNet checkpoint. The backbone dict
# only: a config puts it in its model, `model = dict(backbone=_base_.backbone, ...)` (`_delete_` drops the
# toolbox's ResNet), and changes what its row changes.
backbone = dict(
    _delete_=True,
    type='UniFormer',
    arch='small',
    attn_mode='global',
    window_size=14,
    drop_path_rate=0.25,
    out_indices=(0, 1, 2, 3),  # widths 64, 128, 320, 512
    init_cfg=dict(type='Pretrained', checkpoint='pretrained/uniformer_small_in1k.pth'))
