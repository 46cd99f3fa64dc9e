# UperNet, UniFormer-B, global attention, ADE20K: 50.0 mIoU (50.8 MS), 80M (official).
_base_ = './upernet_uniformer-s_8xb2-160k_ade20k-512x512.py'

model = dict(
    backbone=dict(
        arch='base', drop_path_rate=0.4,
        with_cp=[0, 0, 2, 0],  # the official checkpoint_num: the first 2 stage-3 blocks (memory only)
        init_cfg=dict(type='Pretrained', checkpoint='pretrained/uniformer_base_in1k.pth')))
