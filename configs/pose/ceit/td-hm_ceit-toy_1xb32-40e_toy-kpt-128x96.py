# A ViTPose-style top-down heatmap model with a reduced CeiT (4 blocks of 64 channels, I2T stem of 32 channels, class
# token, global attention, the last block's stride-16 map) that learns the toy stick-figure dataset
# (tools/make_toy_keypoints.py) on a CPU in minutes, from scratch: the structure of the CeiT pose configs (UDP codec,
# two-deconvolution head, flip test, layer-wise lr decay, gradient clipping). Person boxes from the ground truth;
# mmpose's CocoDataset and CocoMetric.
_base_ = ['../_base_/td-hm_vitpose_toy-kpt.py', '../_base_/backbones/ceit.py']

model = dict(
    backbone=dict(
        _base_.backbone,
        arch=dict(embed_dims=64, depth=4, num_heads=2, stem_channels=32),
        pretrain_img_size=(128, 96),
        drop_path_rate=0.,
        init_cfg=None),
    head=dict(in_channels=64))
