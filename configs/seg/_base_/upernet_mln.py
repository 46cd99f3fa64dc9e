# UperNet on a plain backbone's stride-16 maps (mmseg's configs/_base_/models/upernet_vit-b16_ln_mln.py, inherited
# here: the MultiLevelNeck that rescales the four maps to strides 4 / 8 / 16 / 32, UPerHead, FCN auxiliary head on
# the last map, SyncBN in the heads), 512x512 preprocessing, ADE20K's 150 classes, and the plugin import. A config
# puts its family's backbone (./backbones/<family>.py) in `model.backbone`, in place of mmseg's VisionTransformer.
_base_ = 'mmseg::_base_/models/upernet_vit-b16_ln_mln.py'

custom_imports = dict(imports=['backbones'], allow_failed_imports=False)

model = dict(
    pretrained=None,  # the backbone's checkpoint is its init_cfg (mmseg: model.pretrained -> backbone)
    data_preprocessor=dict(size=(512, 512)),
    decode_head=dict(num_classes=150),
    auxiliary_head=dict(num_classes=150))
