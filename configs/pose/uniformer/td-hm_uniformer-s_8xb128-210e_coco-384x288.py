# UniFormer-S, 384x288, COCO val AP 75.9, 11.1 GFLOPs (official).
_base_ = ['../_base_/td-hm_384x288.py', '../_base_/backbones/uniformer.py']

model = dict(backbone=_base_.backbone, head=dict(in_channels=512))
