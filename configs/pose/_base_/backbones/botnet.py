# BoT50 as the pose configs use it: ResNet-50 with multi-head self-attention in all three c5 blocks (the paper),
# its last (stride-32) map, torchvision's ImageNet ResNet-50 for every non-attention layer (the attention starts
# fresh). Tables sized for 256x256 (pretrain_img_size 256: c5 maps 16x16 before the pool, 8x8 after); the 16x12 /
# 8x6 maps of a 256x192 crop take their central rows in window mode, the width tables linearly resized in global
# mode. The
# backbone dict only: a config puts it in its model, `model = dict(backbone=_base_.backbone,
# head=dict(in_channels=2048))` (`_delete_` drops the toolbox's ResNet), and changes what its row changes.
backbone = dict(
    _delete_=True,
    type='BoTNet',
    arch='bot50',
    pretrain_img_size=256,
    out_indices=(3, ),  # width 2048
    init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50'))
