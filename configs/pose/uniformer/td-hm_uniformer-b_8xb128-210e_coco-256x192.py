# UniFormer-B, 256x192, COCO val AP 75.0, 9.2 GFLOPs (official).
_base_ = './td-hm_uniformer-s_8xb128-210e_coco-256x192.py'

model = dict(
    backbone=dict(
        arch='base', drop_path_rate=0.4,
        init_cfg=dict(type='Pretrained', checkpoint='pretrained/uniformer_base_in1k.pth')))
