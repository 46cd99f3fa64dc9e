# UniFormer-S as the detection configs use it (official object_detection/configs/_base_/models/
# mask_rcnn_uniformer_fpn.py): hybrid attention with 14x14 windows, the official ImageNet checkpoint. The backbone
# dict only: a config puts it in its model, `model = dict(backbone=_base_.backbone, neck=dict(in_channels=...))`
# (`_delete_` drops the toolbox's ResNet), and changes what its row changes (arch, drop path, ...).
backbone = dict(
    _delete_=True,
    type='UniFormer',
    arch='small',
    attn_mode='hybrid',
    window_size=14,
    drop_path_rate=0.2,
    with_cp=[0, 0, 8, 0],  # the official checkpoint_num: every stage-3 block
    out_indices=(0, 1, 2, 3),  # widths 64, 128, 320, 512
    # the official ImageNet checkpoint, as released (tools/convert_checkpoint.py is optional)
    init_cfg=dict(type='Pretrained', checkpoint='pretrained/uniformer_small_in1k.pth'))
