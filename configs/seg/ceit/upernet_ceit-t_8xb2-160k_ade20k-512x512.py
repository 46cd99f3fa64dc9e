# UperNet, CeiT-T (official IN-1K 224 checkpoint), 160k iterations, ADE20K: the CeiT-S config with the tiny backbone.
# No published result (see the README).
_base_ = './upernet_ceit-s_8xb2-160k_ade20k-512x512.py'

model = dict(
    backbone=dict(arch='tiny', init_cfg=dict(checkpoint='pretrained/ceit_tiny_patch16_224.pth')),
    decode_head=dict(in_channels=[48, 96, 192, 192]),  # CeiT(arch='tiny').feature_info's num_chs
    auxiliary_head=dict(in_channels=192))
