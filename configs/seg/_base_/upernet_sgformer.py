# UperNet with an SG-Former-S backbone and an FCN auxiliary head on stage 3, on mmseg's own UperNet config. The
# authors released no segmentation code; the schedule is the UperNet one of Swin and UniFormer
# (./schedule_upernet_160k.py).
_base_ = 'mmseg::_base_/models/upernet_r50.py'

custom_imports = dict(imports=['backbones'], allow_failed_imports=False)

model = dict(
    pretrained=None,
    data_preprocessor=dict(size=(512, 512)),
    backbone=dict(
        _delete_=True,
        type='SGFormer',
        arch='s',
        drop_path_rate=0.1,  # the arch's ImageNet value (S 0.1, M 0.2, B 0.4): no downstream value is published
        out_indices=(0, 1, 2, 3),
        init_cfg=dict(type='Pretrained', checkpoint='pretrained/sgformer_s.pth')),
    decode_head=dict(in_channels=[64, 128, 256, 512], num_classes=150),
    auxiliary_head=dict(in_channels=256, num_classes=150))
