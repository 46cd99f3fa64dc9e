# UperNet, ViT-B/16 + MultiLevelNeck, 160k iterations, ADE20K: 46.75 mIoU (48.46 MS), published by mmseg for
# configs/vit/vit_vit-b16_mln_upernet_8xb2-160k_ade20k-512x512.py, whose settings these are.
_base_ = [
    '../_base_/upernet_mln.py', '../_base_/backbones/vit.py', 'mmseg::_base_/datasets/ade20k.py',
    '../_base_/default_runtime.py', '../_base_/schedule_upernet_vit_160k.py'
]
train_dataloader = dict(batch_size=2)
model = dict(backbone=_base_.backbone)
