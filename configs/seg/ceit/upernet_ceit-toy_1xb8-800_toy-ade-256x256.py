# An UperNet with a reduced CeiT (4 blocks of 64 channels, I2T stem of 32 channels, class token, global attention,
# the simple pyramid) and 32-channel heads that learns the toy ADE-layout dataset (tools/make_toy_ade.py) on a CPU
# in minutes, from scratch (so its BatchNorms train: norm_eval=False): the structure of the ADE20K configs. Its
# checkpoint can be tested with windows (the class token joined to each):
# tools/test.py ... --cfg-options model.backbone.attn_mode=window model.backbone.window_size=6
_base_ = ['../_base_/upernet.py', '../_base_/backbones/ceit.py', '../_base_/toy-ade.py']

norm_cfg = dict(type='BN', requires_grad=True)
crop_size = (192, 192)  # as ../_base_/toy-ade.py

model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(
        _base_.backbone,
        arch=dict(embed_dims=64, depth=4, num_heads=2, stem_channels=32),
        pretrain_img_size=192,
        drop_path_rate=0.,
        norm_eval=False,
        init_cfg=None),
    decode_head=dict(in_channels=[16, 32, 64, 64], channels=32, num_classes=5, norm_cfg=norm_cfg),
    auxiliary_head=dict(in_channels=64, channels=16, num_classes=5, norm_cfg=norm_cfg))

optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.01))
