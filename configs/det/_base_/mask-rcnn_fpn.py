# Mask R-CNN with FPN: mmdet's own model config and the plugin import. Family-neutral: mmdet's ResNet-50 stays
# here until a config puts its family's backbone (./backbones/<family>.py) in `model.backbone` and the backbone's
# widths in `model.neck.in_channels`.
_base_ = 'mmdet::_base_/models/mask-rcnn_r50_fpn.py'

custom_imports = dict(imports=['backbones'], allow_failed_imports=False)
