# UperNet, SG-Former-M, 160k, ADE20K: 51.2 mIoU (52.1 MS), 68M, 1114 GFLOPs at 512x2048 (published).
_base_ = './upernet_sgformer-s_8xb2-160k_ade20k-512x512.py'

model = dict(  # M has S's widths (64, 128, 256, 512): the heads are S's
    backbone=dict(arch='m', drop_path_rate=0.2,
                  init_cfg=dict(type='Pretrained', checkpoint='pretrained/sgformer_m.pth')))
