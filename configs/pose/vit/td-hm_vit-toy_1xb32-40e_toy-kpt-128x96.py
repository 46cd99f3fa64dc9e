# A ViTPose-style top-down heatmap model with a reduced ViT (4 blocks of 128 channels, patch 16 with padding 2,
# no class token, final LayerNorm) that learns the toy stick-figure dataset (tools/make_toy_keypoints.py) on a CPU
# in minutes: the structure of the ViTPose configs (UDP codec, two-deconvolution head, flip test, layer-wise lr
# decay, gradient clipping), from scratch. Person boxes from the ground truth; mmpose's CocoDataset and CocoMetric.
_base_ = ['../_base_/td-hm_vitpose_toy-kpt.py', '../_base_/backbones/vit.py']

model = dict(
    backbone=dict(
        _base_.backbone,
        arch=dict(embed_dims=128, depth=4, num_heads=4),
        pretrain_img_size=(128, 96),
        drop_path_rate=0.,
        init_cfg=None),
    head=dict(in_channels=128))
