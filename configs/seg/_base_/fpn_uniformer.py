# Semantic FPN with a UniFormer-S backbone (official semantic_segmentation/fpn_seg/configs/_base_/models/
# fpn_uniformer.py), on mmseg's own FPN config.
_base_ = 'mmseg::_base_/models/fpn_r50.py'

custom_imports = dict(imports=['backbones'], allow_failed_imports=False)

model = dict(
    pretrained=None,
    # official test: AlignResize to a multiple of 32; here the input is padded to a multiple of 32
    data_preprocessor=dict(size=(512, 512), test_cfg=dict(size_divisor=32)),
    backbone=dict(
        _delete_=True,
        type='UniFormer',
        arch='small',
        attn_mode='global',
        window_size=14,
        drop_path_rate=0.1,
        out_indices=(0, 1, 2, 3),
        init_cfg=dict(type='Pretrained', checkpoint='pretrained/uniformer_small_in1k.pth')),
    neck=dict(in_channels=[64, 128, 320, 512]),
    decode_head=dict(num_classes=150))
