# Top-down heatmap, CeiT-S (official IN-1K 224 checkpoint), classic decoder, 256x192, COCO: ViTPose-S's recipe
# (../_base_/td-hm_vitpose.py: UDP codec, two-deconvolution head, AdamW with layer-wise lr decay 0.8, 210 epochs at
# 8x64 images) with CeiT-S in place of its ViT-S (the same width, 384). No published result (CeiT's paper and code
# are ImageNet-only; see the README).
_base_ = ['../_base_/td-hm_vitpose.py', '../_base_/backbones/ceit.py']

model = dict(backbone=_base_.backbone)
# the class token is exempt from weight decay too, as in the det / seg configs (ViTPose's ViT has none)
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'cls_token': dict(decay_mult=0.)}))
