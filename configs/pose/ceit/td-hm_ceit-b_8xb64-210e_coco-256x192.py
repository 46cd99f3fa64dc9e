# Top-down heatmap, CeiT-B (official IN-1K 224 checkpoint), 256x192, COCO: the CeiT-S config with the base backbone.
# No published result (see the README).
_base_ = './td-hm_ceit-s_8xb64-210e_coco-256x192.py'

model = dict(
    backbone=dict(arch='base', init_cfg=dict(checkpoint='pretrained/ceit_base_patch16_224.pth')),
    head=dict(in_channels=768))
