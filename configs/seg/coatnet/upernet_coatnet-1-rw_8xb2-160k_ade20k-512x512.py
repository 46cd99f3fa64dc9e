# UperNet, CoAtNet-1 (timm's coatnet_1_rw, ImageNet-1k), global attention, 160k, ADE20K: no published result.
_base_ = './upernet_coatnet-0-rw_8xb2-160k_ade20k-512x512.py'

model = dict(  # CoAtNet-1 has CoAtNet-0's widths (96, 192, 384, 768): the heads are CoAtNet-0's
    backbone=dict(arch='coatnet_1_rw', drop_path_rate=0.2,
                  init_cfg=dict(type='Pretrained', checkpoint='pretrained/coatnet_1_rw_224_sw-5cae1ea8.pth')))
