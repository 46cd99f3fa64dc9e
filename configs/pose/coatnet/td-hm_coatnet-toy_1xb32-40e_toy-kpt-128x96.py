# A top-down heatmap pose model with a reduced CoAtNet (MBConv stages with BatchNorm, relative-attention stages;
# global attention as the COCO config) that learns the toy stick-figure dataset (tools/make_toy_keypoints.py) on a CPU
# in minutes, from scratch, with the toy recipe every family's toy pose config shares (../_base_/td-hm_toy-kpt.py: its
# data, codec, head and schedule).
_base_ = '../_base_/td-hm_toy-kpt.py'

model = dict(
    backbone=dict(
        _delete_=True,
        type='CoAtNet',
        arch=dict(depths=[1, 1, 2, 2], embed_dims=[32, 64, 128, 256], stem_width=(16, 32)),
        pretrain_img_size=128,  # relative positions sized for 128 px inputs (8x8 and 4x4 maps)
        out_indices=(3, ),
        init_cfg=None),
    head=dict(in_channels=256))
