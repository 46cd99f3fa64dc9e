# An UperNet with a reduced ConViT (3 GPSA blocks then the class token and 1 MHSA block, width 96; global attention;
# the simple pyramid) and 32-channel heads that learns the toy ADE-layout dataset (tools/make_toy_ade.py) on a CPU
# from scratch: the structure of the ADE20K configs. Its checkpoint can be tested with the GPSA blocks in windows:
# tools/test.py ... --cfg-options model.backbone.attn_mode=hybrid model.backbone.window_size=8
_base_ = ['../_base_/upernet.py', '../_base_/backbones/convit.py', '../_base_/toy-ade.py']

norm_cfg = dict(type='BN', requires_grad=True)
crop_size = (192, 192)  # as ../_base_/toy-ade.py

model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(
        _base_.backbone,
        arch=dict(embed_dims=96, depth=4, num_heads=4, local_up_to_layer=3),
        pretrain_img_size=256,
        drop_path_rate=0.,
        init_cfg=None),
    decode_head=dict(in_channels=[24, 48, 96, 96], channels=32, num_classes=5, norm_cfg=norm_cfg),
    auxiliary_head=dict(in_channels=96, channels=16, num_classes=5, norm_cfg=norm_cfg))

optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.01))
