# A Mask R-CNN with a reduced ConViT (3 GPSA blocks then the class token and 1 MHSA block, width 96; hybrid: the GPSA
# blocks in 8x8 windows) that learns the toy shapes dataset (tools/make_toy_coco.py) on a CPU from scratch, with the
# toy recipe every family's toy Mask R-CNN shares (../_base_/mask-rcnn_fpn_toy-coco.py: 64-channel FPN and heads,
# data, schedule, optimiser).
_base_ = ['../_base_/mask-rcnn_fpn_toy-coco.py', '../_base_/backbones/convit.py']

model = dict(
    backbone=dict(
        _base_.backbone,
        arch=dict(embed_dims=96, depth=4, num_heads=4, local_up_to_layer=3),
        pretrain_img_size=256,
        window_size=8,  # 256 px -> 16x16 tokens: 2x2 windows
        drop_path_rate=0.,
        init_cfg=None),
    neck=dict(in_channels=[24, 48, 96, 96]))
