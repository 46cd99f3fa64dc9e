# UperNet on a plain ViT-B/16 (mmseg's configs/_base_/models/upernet_vit-b16_ln_mln.py, inherited here: the
# MultiLevelNeck that rescales the four stride-16 block maps to strides 4 / 8 / 16 / 32, UPerHead, FCN auxiliary
# head on the last map, SyncBN in the heads), with this project's ViT in place of mmseg's VisionTransformer.
_base_ = 'mmseg::_base_/models/upernet_vit-b16_ln_mln.py'

custom_imports = dict(imports=['backbones'], allow_failed_imports=False)

model = dict(
    pretrained=None,  # the backbone's checkpoint is its init_cfg (mmseg: model.pretrained -> backbone)
    data_preprocessor=dict(size=(512, 512)),
    backbone=dict(
        _delete_=True,
        type='ViT',
        arch='vit-base',
        pretrain_img_size=512,  # mmseg's img_size=(512, 512): a 32x32 position grid (+ the class token)
        with_cls_token=True,  # the class token runs through the blocks as in mmseg's ViT (never an output)
        attn_mode='global',
        out_indices=(2, 5, 8, 11),
        pyramid=None,  # the raw stride-16 maps of blocks 3 / 6 / 9 / 12, as mmseg's ViT returns them
        final_norm=False,  # mmseg's default; the "+ LN" rows (final_norm=True) are not among these configs
        drop_path_rate=0.,
        init_cfg=dict(type='Pretrained', checkpoint='pretrained/jx_vit_base_p16_224-80ecf9dd.pth')),
    decode_head=dict(num_classes=150),
    auxiliary_head=dict(num_classes=150))
