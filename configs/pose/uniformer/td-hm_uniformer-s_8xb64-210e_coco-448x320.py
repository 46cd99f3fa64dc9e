# UniFormer-S, 448x320, COCO val AP 76.2, 14.8 GFLOPs (official).
_base_ = '../_base_/td-hm_uniformer_448x320.py'

optim_wrapper = dict(optimizer=dict(lr=1e-3))
train_dataloader = dict(batch_size=64)
auto_scale_lr = dict(base_batch_size=512)
