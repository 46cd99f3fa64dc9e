# BoT50 as the detection configs use it: ResNet-50 with multi-head self-attention in all three c5 blocks (the
# paper), global attention with the relative tables resized to each map, mmdet's ResNet settings (stem + layer1
# frozen, BatchNorm in eval mode with trainable affine) and torchvision's ImageNet ResNet-50 for every
# non-attention layer (no BoT50 weights exist: the attention starts fresh, the log lists it).
# The backbone dict only: a config puts it in its model, `model = dict(backbone=_base_.backbone)` (`_delete_` drops
# the toolbox's ResNet; the widths are ResNet-50's, so mmdet's FPN in_channels stay) and changes what its row
# changes.
backbone = dict(
    _delete_=True,
    type='BoTNet',
    arch='bot50',  # tables sized for the paper's 1024x1024 training (c5: 64x64 before the pool, 32x32 after)
    attn_mode='global',
    out_indices=(0, 1, 2, 3),  # widths 256, 512, 1024, 2048
    frozen_stages=1,
    norm_cfg=dict(type='BN', requires_grad=True),
    norm_eval=True,
    init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50'))
