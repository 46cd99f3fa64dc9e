# A ViTDet-style Mask R-CNN with a reduced ViT (8 blocks of width 96; hybrid attention: blocks 1, 3, 5, 7 global,
# the others in 8x8 windows; relative position; the simple pyramid and its neck) that learns the toy shapes dataset
# (tools/make_toy_coco.py) on a CPU in minutes, from scratch. Everything else is the real thing (the toy recipe every
# simple-pyramid family shares, ../_base_/mask-rcnn_simple-fpn_toy-coco.py): mmdet's CocoDataset, CocoMetric, Mask
# R-CNN with ViTDet's heads (LayerNorm), the layer-decay optimiser of the COCO configs.
_base_ = ['../_base_/mask-rcnn_simple-fpn_toy-coco.py', '../_base_/backbones/vit.py']

model = dict(
    backbone=dict(
        _base_.backbone,
        arch=dict(embed_dims=96, depth=8, num_heads=3),
        pretrain_img_size=256,
        img_size=256,  # 16x16 tokens: 2x2 windows of 8x8
        attn_mode='hybrid',
        window_size=8,
        drop_path_rate=0.,
        init_cfg=None),
    neck=dict(in_channels=[24, 48, 96, 96]))  # ViT(arch=<the dict above>).feature_info
