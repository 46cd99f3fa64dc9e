# Mask R-CNN of ViTDet for a plain (single-scale) backbone (detectron2 projects/ViTDet
# common/models/mask_rcnn_vitdet.py, mmdet projects/ViTDet vitdet_mask-rcnn_vit-b-mae_lsj-100e.py), on mmdet's own
# Mask R-CNN model config, and the plugin import:
# - neck: the rest of the simple feature pyramid (the backbone builds the four maps, ViT(pyramid=...)), a 1x1 and a
#   3x3 conv with LayerNorm per level, no top-down path, a stride-64 level by subsampling (SimplePyramidNeck);
# - RPN head with two 3x3 convs; 4-conv-1-fc box head and mask head with LayerNorm in every conv;
# - every input padded to 1024x1024, as ViTDet's LSJ recipe (./coco_instance_vitdet-lsj-1024.py).
# A config puts its family's backbone (./backbones/<family>.py) in `model.backbone` and the backbone's widths in
# `model.neck.in_channels`.
_base_ = 'mmdet::_base_/models/mask-rcnn_r50_fpn.py'

custom_imports = dict(imports=['backbones'], allow_failed_imports=False)

# LayerNorm over channels, eps 1e-6 as detectron2's LayerNorm (mmcv's build_norm_layer would give 1e-5)
norm_cfg = dict(type='LN2d', eps=1e-6, requires_grad=True)

model = dict(
    # every input padded to 1024x1024 after normalisation (with the mean, as detectron2's square_pad=1024; masks
    # too): LSJ crops and test images (long side 1024) are at most 1024 a side
    data_preprocessor=dict(pad_size_divisor=1024),
    neck=dict(_delete_=True, type='SimplePyramidNeck', out_channels=256, num_outs=5, norm_cfg=norm_cfg),
    rpn_head=dict(num_convs=2),
    roi_head=dict(
        bbox_head=dict(type='Shared4Conv1FCBBoxHead', conv_out_channels=256, norm_cfg=norm_cfg),
        mask_head=dict(norm_cfg=norm_cfg)))
