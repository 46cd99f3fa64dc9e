# A Mask R-CNN with a reduced BoT50 (torchvision layout: bottlenecks in stages 1-3, multi-head self-attention with
# relative logits in both c5 blocks, the first at stride 16 then pooled) that learns the toy shapes dataset
# (tools/make_toy_coco.py) on a CPU in minutes, from scratch, with the toy recipe every family's toy Mask R-CNN
# shares (../_base_/mask-rcnn_fpn_toy-coco.py: 64-channel FPN and heads, data, schedule, optimiser).
# Its tables are sized for 256 px inputs (c5 maps 16x16 and 8x8); its checkpoint can be tested with windows of
# those maps: tools/test.py ... --cfg-options model.backbone.attn_mode=window
_base_ = ['../_base_/mask-rcnn_fpn_toy-coco.py', '../_base_/backbones/botnet.py']

model = dict(
    backbone=dict(
        _base_.backbone,
        arch=dict(layout='resnet', depths=[1, 1, 1, 2], channels=[64, 128, 256, 512],
                  attn_blocks=[[], [], [], [0, 1]], num_heads=4, pretrain_img_size=256),
        frozen_stages=-1,
        norm_eval=False,
        init_cfg=None),
    neck=dict(in_channels=[64, 128, 256, 512]))
