# ViTPose-S, classic decoder, 256x192, COCO val AP 73.9 (published by mmpose for
# td-hm_ViTPose-small_8xb64-210e_coco-256x192.py, whose settings these are).
_base_ = ['../_base_/td-hm_vitpose.py', '../_base_/backbones/vit.py']

model = dict(backbone=_base_.backbone)
