# Mask R-CNN of ViTDet with a ViT-B backbone (detectron2 projects/ViTDet common/models/mask_rcnn_vitdet.py, mmdet
# projects/ViTDet vitdet_mask-rcnn_vit-b-mae_lsj-100e.py), on mmdet's own Mask R-CNN model config:
# - backbone: plain ViT-B, hybrid attention (blocks 2, 5, 8, 11 global, the others in 14x14 windows), decomposed
#   relative position sized for 1024x1024 inputs, drop path 0.1, the MAE checkpoint; the simple pyramid (two
#   deconvolutions, identity, max-pool) from the last block, strides 4-32, channels ViT.out_channels;
# - neck: the rest of the simple feature pyramid, a 1x1 and a 3x3 conv with LayerNorm per level, no top-down path,
#   a stride-64 level by subsampling (SimplePyramidNeck);
# - RPN head with two 3x3 convs; 4-conv-1-fc box head and mask head with LayerNorm in every conv.
_base_ = 'mmdet::_base_/models/mask-rcnn_r50_fpn.py'

custom_imports = dict(imports=['backbones'], allow_failed_imports=False)

# LayerNorm over channels, eps 1e-6 as detectron2's LayerNorm (mmcv's build_norm_layer would give 1e-5)
norm_cfg = dict(type='LN2d', eps=1e-6, requires_grad=True)

model = dict(
    # every input padded to 1024x1024 after normalisation (with the mean, as detectron2's square_pad=1024; masks
    # too): LSJ crops and test images (long side 1024) are at most 1024 a side
    data_preprocessor=dict(pad_size_divisor=1024),
    backbone=dict(
        _delete_=True,
        type='ViT',
        arch='vit-base',
        pretrain_img_size=224,  # MAE's 14x14 position grid, resized to the input's at every forward
        img_size=1024,  # the global blocks' relative-position tables: 2 * 64 - 1 rows
        attn_mode='hybrid',
        window_size=14,
        rel_pos=True,
        drop_path_rate=0.1,
        out_indices=-1,
        pyramid=(4, 2, 1, 0.5),
        init_cfg=dict(type='Pretrained', checkpoint='pretrained/mae_pretrain_vit_base.pth')),
    neck=dict(
        _delete_=True,
        type='SimplePyramidNeck',
        in_channels=[192, 384, 768, 768],  # ViT(arch='vit-base').out_channels
        out_channels=256,
        num_outs=5,
        norm_cfg=norm_cfg),
    rpn_head=dict(num_convs=2),
    roi_head=dict(
        bbox_head=dict(type='Shared4Conv1FCBBoxHead', conv_out_channels=256, norm_cfg=norm_cfg),
        mask_head=dict(norm_cfg=norm_cfg)))
