# UperNet, CeiT-B (official IN-1K 224 checkpoint), 160k iterations, ADE20K: the CeiT-S config with the base backbone.
# No published result (see the README).
_base_ = './upernet_ceit-s_8xb2-160k_ade20k-512x512.py'

model = dict(
    backbone=dict(arch='base', init_cfg=dict(checkpoint='pretrained/ceit_base_patch16_224.pth')),
    decode_head=dict(in_channels=[192, 384, 768, 768]),  # CeiT(arch='base').feature_info's num_chs
    auxiliary_head=dict(in_channels=768))
