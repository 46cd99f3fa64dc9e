# UperNet with an FCN auxiliary head on stage 3 (official UniFormer semantic_segmentation/configs/_base_/models/
# upernet_uniformer.py, Swin's alike): mmseg's own UperNet config, 512x512 preprocessing, ADE20K's 150 classes, and
# the plugin import. Family-neutral: mmseg's ResNet-50 stays here until a config puts its family's backbone
# (./backbones/<family>.py) in `model.backbone` and the backbone's widths in `model.decode_head.in_channels` and
# `model.auxiliary_head.in_channels` (stage 3).
_base_ = 'mmseg::_base_/models/upernet_r50.py'

custom_imports = dict(imports=['backbones'], allow_failed_imports=False)

model = dict(
    pretrained=None,  # the backbone's checkpoint is its init_cfg (mmseg: model.pretrained -> backbone)
    data_preprocessor=dict(size=(512, 512)),
    decode_head=dict(num_classes=150),
    auxiliary_head=dict(num_classes=150))
