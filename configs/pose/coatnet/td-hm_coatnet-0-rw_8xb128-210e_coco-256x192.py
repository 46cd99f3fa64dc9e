# CoAtNet-0 (timm's coatnet_0_rw, ImageNet-1k), 256x192, COCO: no published result (see the README). The UniFormer
# pose recipe (../_base_/td-hm.py: mmpose's ResNet-50 COCO config, AdamW lr 2e-3 for a batch of 1024, 210 epochs).
_base_ = ['../_base_/td-hm.py', '../_base_/backbones/coatnet.py']

model = dict(backbone=_base_.backbone, head=dict(in_channels=768))
