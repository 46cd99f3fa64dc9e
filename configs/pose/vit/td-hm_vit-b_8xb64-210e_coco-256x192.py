# ViTPose-B, classic decoder, 256x192, COCO val AP 75.7 (published by mmpose for
# td-hm_ViTPose-base_8xb64-210e_coco-256x192.py, whose settings these are).
_base_ = './td-hm_vit-s_8xb64-210e_coco-256x192.py'

model = dict(
    backbone=dict(
        arch='vit-base',
        drop_path_rate=0.3,
        init_cfg=dict(checkpoint='pretrained/mae_pretrain_vit_base_20230913.pth')),
    head=dict(in_channels=768))
optim_wrapper = dict(paramwise_cfg=dict(layer_decay_rate=0.75))
