# Semantic FPN (official UniFormer semantic_segmentation/fpn_seg/configs/_base_/models/fpn_uniformer.py): mmseg's own
# FPN config, 512x512 preprocessing (test inputs padded to a multiple of 32, where the official test resizes to
# one with AlignResize), ADE20K's 150 classes, and the plugin import. Family-neutral: mmseg's ResNet-50 stays here
# until a config puts its family's backbone (./backbones/<family>.py) in `model.backbone` and the backbone's widths
# in `model.neck.in_channels`.
_base_ = 'mmseg::_base_/models/fpn_r50.py'

custom_imports = dict(imports=['backbones'], allow_failed_imports=False)

model = dict(
    pretrained=None,
    # official test: AlignResize to a multiple of 32; here the input is padded to a multiple of 32
    data_preprocessor=dict(size=(512, 512), test_cfg=dict(size_divisor=32)),
    decode_head=dict(num_classes=150))
