# ConViT-S, top-down heatmap, 256x192, COCO. No published result (ConViT reports no pose numbers): the recipe of
# the ViTPose-S config (../_base_/td-hm_vitpose.py: UDP codec, two-deconvolution head on the stride-16 map, AdamW
# lr 5e-4 with layer decay 0.8 over the 12 blocks, 210 epochs) with ConViT-S in place of ViT-S.
_base_ = ['../_base_/td-hm_vitpose.py', '../_base_/backbones/convit.py']

model = dict(backbone=_base_.backbone, head=dict(in_channels=432))
# the class token is exempt from weight decay too, as in the det / seg configs (ViTPose's ViT has none)
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'cls_token': dict(decay_mult=0.)}))
