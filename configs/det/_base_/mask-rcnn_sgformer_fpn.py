# Mask R-CNN with an SG-Former-S backbone on mmdet's own Mask R-CNN model config. The authors released no detection
# code; they follow PVT's (OliverRensu/Shunted-Transformer issue 17), which is this model with PVT as backbone.
_base_ = 'mmdet::_base_/models/mask-rcnn_r50_fpn.py'

custom_imports = dict(imports=['backbones'], allow_failed_imports=False)

model = dict(
    backbone=dict(
        _delete_=True,
        type='SGFormer',
        arch='s',
        drop_path_rate=0.1,  # the arch's ImageNet value (S 0.1, M 0.2, B 0.4): no downstream value is published
        out_indices=(0, 1, 2, 3),
        # the official ImageNet checkpoint (Google Drive of OliverRensu/SG-Former), as released
        init_cfg=dict(type='Pretrained', checkpoint='pretrained/sgformer_s.pth')),
    neck=dict(in_channels=[64, 128, 256, 512]))
