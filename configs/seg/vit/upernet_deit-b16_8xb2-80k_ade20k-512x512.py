# UperNet, DeiT-B/16, no neck (four stride-16 maps), 80k iterations, ADE20K: 45.24 mIoU (46.73 MS), published by mmseg
# for configs/vit/vit_deit-b16_upernet_8xb2-80k_ade20k-512x512.py, whose settings these are.
_base_ = './upernet_vit-b16_mln_8xb2-80k_ade20k-512x512.py'

model = dict(
    backbone=dict(
        arch='deit-base',
        drop_path_rate=0.1,
        init_cfg=dict(checkpoint='pretrained/deit_base_patch16_224-b5f2ef4d.pth')),
    neck=None)
