# UperNet, ConViT-B, 160k, ADE20K: the ConViT-S config with the base backbone. No published result.
_base_ = './upernet_convit-s_8xb2-160k_ade20k-512x512.py'

model = dict(
    backbone=dict(arch='base', init_cfg=dict(checkpoint='pretrained/convit_base.pth')),
    decode_head=dict(in_channels=[192, 384, 768, 768]),
    auxiliary_head=dict(in_channels=768))
