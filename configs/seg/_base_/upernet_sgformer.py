# UperNet with an SG-Former-S backbone and an FCN auxiliary head on stage 3: the UniFormer UperNet model
# (./upernet_uniformer.py: mmseg's UperNet, 512x512 preprocessing, the plugin import) with the backbone swapped. The
# authors released no segmentation code; the schedule is the UperNet one of Swin and UniFormer
# (./schedule_upernet_160k.py).
_base_ = './upernet_uniformer.py'

model = dict(
    backbone=dict(
        _delete_=True,
        type='SGFormer',
        arch='s',
        drop_path_rate=0.1,  # the arch's ImageNet value (S 0.1, M 0.2, B 0.4): no downstream value is published
        out_indices=(0, 1, 2, 3),
        init_cfg=dict(type='Pretrained', checkpoint='pretrained/sgformer_s.pth')),
    decode_head=dict(in_channels=[64, 128, 256, 512]),
    auxiliary_head=dict(in_channels=256))
