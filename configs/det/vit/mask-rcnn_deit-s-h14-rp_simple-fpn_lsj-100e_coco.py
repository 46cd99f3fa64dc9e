# ViTDet's Mask R-CNN with DeiT-S (supervised IN-1K): the ViT-B config's design and recipe (hybrid attention with
# 14x14 windows, relative position, simple feature pyramid, LSJ 1024, AdamW with layer decay 0.7, 100 epochs at
# batch 64) with the smaller backbone. No published result (see the README).
_base_ = './mask-rcnn_vit-b-h14-rp_simple-fpn_lsj-100e_coco.py'

model = dict(
    backbone=dict(
        arch='deit-small',
        drop_path_rate=0.1,
        init_cfg=dict(type='Pretrained', checkpoint='pretrained/deit_small_patch16_224-cd65a155.pth')),
    neck=dict(in_channels=[96, 192, 384, 384]))  # ViT(arch='deit-small').feature_info's num_chs
