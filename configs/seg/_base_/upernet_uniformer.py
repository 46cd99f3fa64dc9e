# UperNet with a UniFormer-S backbone and an FCN auxiliary head on stage 3 (official
# semantic_segmentation/configs/_base_/models/upernet_uniformer.py), on mmseg's own UperNet config.
_base_ = 'mmseg::_base_/models/upernet_r50.py'

custom_imports = dict(imports=['backbones'], allow_failed_imports=False)

model = dict(
    pretrained=None,
    data_preprocessor=dict(size=(512, 512)),
    backbone=dict(
        _delete_=True,
        type='UniFormer',
        arch='small',
        attn_mode='global',
        window_size=14,
        drop_path_rate=0.25,
        out_indices=(0, 1, 2, 3),
        init_cfg=dict(type='Pretrained', checkpoint='pretrained/uniformer_small_in1k.pth')),
    decode_head=dict(in_channels=[64, 128, 320, 512], num_classes=150),
    auxiliary_head=dict(in_channels=320, num_classes=150))
