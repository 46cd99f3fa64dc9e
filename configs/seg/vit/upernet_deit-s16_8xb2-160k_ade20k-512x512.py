# UperNet, DeiT-S/16, no neck (four stride-16 maps), 160k iterations, ADE20K: 42.87 mIoU (43.79 MS), published by mmseg
# for configs/vit/vit_deit-s16_upernet_8xb2-160k_ade20k-512x512.py, whose settings these are. (mmseg 1.x bases that file
# on the 80k config, so it runs 80k iterations; the 0.x config that produced the published row ran 160k, as this one
# does.)
_base_ = './upernet_vit-b16_mln_8xb2-160k_ade20k-512x512.py'

model = dict(
    backbone=dict(
        arch='deit-small',
        drop_path_rate=0.1,
        init_cfg=dict(checkpoint='pretrained/deit_small_patch16_224-cd65a155.pth')),
    neck=None,
    decode_head=dict(in_channels=[384, 384, 384, 384]),
    auxiliary_head=dict(in_channels=384))
