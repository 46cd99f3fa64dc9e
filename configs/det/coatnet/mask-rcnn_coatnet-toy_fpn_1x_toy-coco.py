# A Mask R-CNN with a reduced CoAtNet (MBConv stages with BatchNorm, relative-attention stages; hybrid attention as
# the COCO configs, with relative positions sized for 128 px inputs: windows of 8x8 stage-3 and 4x4 stage-4 tokens)
# that learns the toy shapes dataset (tools/make_toy_coco.py) on a CPU in minutes, from scratch, with the toy recipe
# every family's toy Mask R-CNN shares (../_base_/mask-rcnn_fpn_toy-coco.py: 64-channel FPN and heads, data,
# schedule, optimiser). Its checkpoint can be tested in global attention:
# tools/test.py ... --cfg-options model.backbone.attn_mode=global
_base_ = ['../_base_/mask-rcnn_fpn_toy-coco.py', '../_base_/backbones/coatnet.py']

model = dict(
    backbone=dict(
        _base_.backbone,
        arch=dict(depths=[1, 1, 2, 2], embed_dims=[32, 64, 128, 256], stem_width=(16, 32)),
        pretrain_img_size=128,
        drop_path_rate=0.,
        norm_eval=False,  # trained from scratch: its BatchNorms learn their statistics
        init_cfg=None),
    neck=dict(in_channels=[32, 64, 128, 256]))
