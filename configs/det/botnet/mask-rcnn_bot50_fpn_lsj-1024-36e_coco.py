# Mask R-CNN, BoT50, the paper's detection setting: 1024x1024 inputs with large-scale jitter (resize 0.1-2.0,
# crop 1024, ../_base_/coco_instance_vitdet-lsj-1024.py; 4 images per GPU on 16 GPUs), where c5 attends at 64x64
# and 32x32: the size the relative tables are built for (pretrain_img_size 1024), so none is resized in training.
# COCO: no published number is retrievable here (the paper's Table 1 compares R50 and BoT50 at 12-72 epochs; the
# README says what is known). SGD as the 1x config, lr 0.08 for the batch of 64 (linear scaling), 36 epochs.
_base_ = [
    '../_base_/mask-rcnn_fpn.py', '../_base_/backbones/botnet.py', '../_base_/coco_instance_vitdet-lsj-1024.py',
    'mmdet::_base_/schedules/schedule_1x.py', '../_base_/default_runtime.py'
]

model = dict(backbone=_base_.backbone,
             data_preprocessor=dict(pad_size_divisor=1024))  # every input padded to 1024x1024 (as detectron2)

max_epochs = 36
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[27, 33], gamma=0.1)
]
optim_wrapper = dict(optimizer=dict(lr=0.08))
auto_scale_lr = dict(base_batch_size=64)
