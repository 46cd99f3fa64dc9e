# An UperNet with a reduced CoAtNet (MBConv stages with BatchNorm, relative-attention stages; global attention as the
# ADE20K configs) and 32-channel heads that learns the toy ADE-layout dataset (tools/make_toy_ade.py) on a CPU in
# minutes, from scratch: the structure of the ADE20K configs. Its checkpoint can be tested with windows of the
# stage maps at 128 px (8x8 and 4x4 tokens): tools/test.py ... --cfg-options model.backbone.attn_mode=window
_base_ = ['../_base_/upernet.py', '../_base_/backbones/coatnet.py', '../_base_/toy-ade.py']

norm_cfg = dict(type='BN', requires_grad=True)
crop_size = (192, 192)  # as ../_base_/toy-ade.py

model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(
        _base_.backbone,
        arch=dict(depths=[1, 1, 2, 2], embed_dims=[32, 64, 128, 256], stem_width=(16, 32)),
        pretrain_img_size=128,
        drop_path_rate=0.,
        norm_eval=False,  # trained from scratch: its BatchNorms learn their statistics
        init_cfg=None),
    decode_head=dict(in_channels=[32, 64, 128, 256], channels=32, num_classes=5, norm_cfg=norm_cfg),
    auxiliary_head=dict(in_channels=128, channels=16, num_classes=5, norm_cfg=norm_cfg))

optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.01))
