# UniFormer-B, 448x320, COCO val AP 77.4, 29.6 GFLOPs (official).
_base_ = './td-hm_uniformer-s_8xb64-210e_coco-448x320.py'

model = dict(
    backbone=dict(
        arch='base', drop_path_rate=0.55,
        init_cfg=dict(type='Pretrained', checkpoint='pretrained/uniformer_base_in1k.pth')))
optim_wrapper = dict(optimizer=dict(lr=5e-4))
train_dataloader = dict(batch_size=32)
auto_scale_lr = dict(base_batch_size=256)
