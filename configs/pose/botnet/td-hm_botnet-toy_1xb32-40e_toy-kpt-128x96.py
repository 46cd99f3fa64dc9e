# A top-down heatmap pose model with a reduced BoT50 (torchvision layout, multi-head self-attention with relative
# logits in both c5 blocks) that learns the toy stick-figure dataset (tools/make_toy_keypoints.py) on a CPU in
# minutes, from scratch, with the toy recipe every family's toy pose config shares (../_base_/td-hm_toy-kpt.py).
# Tables sized for the 128x96 crops (c5 maps 8x6 -> tables of the 8-side map, 4 after the pool).
_base_ = '../_base_/td-hm_toy-kpt.py'

model = dict(
    backbone=dict(
        _delete_=True,
        type='BoTNet',
        arch=dict(layout='resnet', depths=[1, 1, 1, 2], channels=[64, 128, 256, 512],
                  attn_blocks=[[], [], [], [0, 1]], num_heads=4, pretrain_img_size=128),
        out_indices=(3, ),
        init_cfg=None),
    head=dict(in_channels=512))
