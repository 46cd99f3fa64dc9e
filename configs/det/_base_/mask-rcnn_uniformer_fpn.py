# Mask R-CNN with a UniFormer-S-h14 backbone (official object_detection/configs/_base_/models/mask_rcnn_uniformer_fpn.py),
# on mmdet's own Mask R-CNN model config.
_base_ = 'mmdet::_base_/models/mask-rcnn_r50_fpn.py'

custom_imports = dict(imports=['backbones'], allow_failed_imports=False)

model = dict(
    backbone=dict(
        _delete_=True,
        type='UniFormer',
        arch='small',
        attn_mode='hybrid',
        window_size=14,
        drop_path_rate=0.2,
        with_cp=[0, 0, 8, 0],  # the official checkpoint_num: every stage-3 block
        out_indices=(0, 1, 2, 3),
        # the official ImageNet checkpoint, as released (tools/convert_checkpoint.py is optional)
        init_cfg=dict(type='Pretrained', checkpoint='pretrained/uniformer_small_in1k.pth')),
    neck=dict(in_channels=[64, 128, 320, 512]))
