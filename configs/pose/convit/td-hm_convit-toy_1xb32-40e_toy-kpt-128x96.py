# A top-down heatmap model with a reduced ConViT (3 GPSA blocks then the class token and 1 MHSA block, width 96;
# final LayerNorm) that learns the toy stick-figure dataset (tools/make_toy_keypoints.py) on a CPU from scratch: the
# structure of the ConViT-S pose config (UDP codec, two-deconvolution head, layer-wise lr decay, gradient clipping).
# Person boxes from the ground truth; mmpose's CocoDataset and CocoMetric.
_base_ = ['../_base_/td-hm_vitpose_toy-kpt.py', '../_base_/backbones/convit.py']

model = dict(
    backbone=dict(
        _base_.backbone,
        arch=dict(embed_dims=96, depth=4, num_heads=4, local_up_to_layer=3),
        pretrain_img_size=(128, 96),
        drop_path_rate=0.,
        init_cfg=None),
    head=dict(in_channels=96))
