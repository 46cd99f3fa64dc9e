# UniFormer-S, 256x192, COCO val AP 74.0, 4.7 GFLOPs (official).
_base_ = ['../_base_/td-hm.py', '../_base_/backbones/uniformer.py']

model = dict(backbone=_base_.backbone, head=dict(in_channels=512))
