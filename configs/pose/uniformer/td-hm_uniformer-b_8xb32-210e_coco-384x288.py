# UniFormer-B, 384x288, COCO val AP 76.7 (official; 22.1 GFLOPs counted, the published 14.8G is a typo).
_base_ = './td-hm_uniformer-s_8xb128-210e_coco-384x288.py'

model = dict(
    backbone=dict(
        arch='base', drop_path_rate=0.5,
        init_cfg=dict(type='Pretrained', checkpoint='pretrained/uniformer_base_in1k.pth')))
optim_wrapper = dict(optimizer=dict(lr=5e-4))
train_dataloader = dict(batch_size=32)
auto_scale_lr = dict(base_batch_size=256)
