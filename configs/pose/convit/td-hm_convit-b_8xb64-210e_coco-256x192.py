# ConViT-B, top-down heatmap, 256x192, COCO: the ConViT-S config with the base backbone (the ViTPose recipe's layer
# decay 0.8 kept; ViTPose-B uses 0.75). No published result.
_base_ = './td-hm_convit-s_8xb64-210e_coco-256x192.py'

model = dict(
    backbone=dict(arch='base', init_cfg=dict(checkpoint='pretrained/convit_base.pth')),
    head=dict(in_channels=768))
