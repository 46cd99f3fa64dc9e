# UniFormer-S, 448x320, COCO val AP 76.2, 14.8 GFLOPs (official).
_base_ = ['../_base_/td-hm_448x320.py', '../_base_/backbones/uniformer.py']

model = dict(backbone=_base_.backbone, head=dict(in_channels=512))
optim_wrapper = dict(optimizer=dict(lr=1e-3))
train_dataloader = dict(batch_size=64)
auto_scale_lr = dict(base_batch_size=512)
