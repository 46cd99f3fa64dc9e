# A Mask R-CNN with a reduced CeiT (8 blocks of width 96, I2T stem of 32 channels; hybrid attention: blocks 1, 3,
# 5, 7 global, the others in 8x8 windows with the class token joined to each; the simple pyramid and ViTDet's neck
# and heads) that learns the toy shapes dataset (tools/make_toy_coco.py) on a CPU in minutes, from scratch (so its
# BatchNorms train: norm_eval=False). Its checkpoint can be tested in another attention mode:
# tools/test.py ... --cfg-options model.backbone.attn_mode=global
_base_ = ['../_base_/mask-rcnn_simple-fpn_toy-coco.py', '../_base_/backbones/ceit.py']

model = dict(
    backbone=dict(
        _base_.backbone,
        arch=dict(embed_dims=96, depth=8, num_heads=3, stem_channels=32),
        pretrain_img_size=256,  # 256x256 inputs: a 16x16 map, 2x2 windows of 8x8
        window_size=8,
        drop_path_rate=0.,
        norm_eval=False,
        init_cfg=None),
    neck=dict(in_channels=[24, 48, 96, 96]))  # CeiT(arch=<the dict above>).feature_info
