# UperNet, SG-Former-B, 160k, ADE20K: 52.0 mIoU (52.7 MS), 109M, 1304 GFLOPs at 512x2048 (published).
_base_ = './upernet_sgformer-s_8xb2-160k_ade20k-512x512.py'

model = dict(
    backbone=dict(arch='b', drop_path_rate=0.4,
                  init_cfg=dict(type='Pretrained', checkpoint='pretrained/sgformer_b.pth')),
    decode_head=dict(in_channels=[96, 192, 384, 768]),
    auxiliary_head=dict(in_channels=384))
