# BoT50, 256x192, COCO: no published result (BoTNet reports no pose numbers). The project's top-down heatmap recipe
# (../_base_/td-hm.py: mmpose's ResNet-50 COCO config, AdamW lr 2e-3 for a batch of 1024, 210 epochs); mmpose's
# td-hm_res50_8xb64-210e_coco-256x192 (AP 71.8) is the ResNet-50 it changes the c5 blocks of.
_base_ = ['../_base_/td-hm.py', '../_base_/backbones/botnet.py']

model = dict(backbone=_base_.backbone, head=dict(in_channels=2048))
