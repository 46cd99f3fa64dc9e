# A Mask R-CNN with a reduced SG-Former (every block kind: hybrid-scale and self-guided pairs in stages 1-3, plain
# attention in stage 4; global attention as published) that learns the toy shapes dataset (tools/make_toy_coco.py)
# on a CPU in minutes, from scratch: the UniFormer toy det config (its data, neck and head widths, optimiser and
# schedule) with the backbone swapped, as ../_base_/mask-rcnn_sgformer_fpn.py swaps it in the COCO recipe.
# Its checkpoint can be tested with windows in stage 3 (256 px -> 16x16 tokens -> 2x2 windows of 8):
# tools/test.py ... --cfg-options model.backbone.attn_mode=window model.backbone.window_size=8
_base_ = '../uniformer/mask-rcnn_uniformer-toy_fpn_1x_toy-coco.py'

model = dict(
    backbone=dict(
        _delete_=True,
        type='SGFormer',
        arch=dict(depths=[2, 2, 2, 1], embed_dims=[32, 64, 128, 256], num_heads=[2, 2, 4, 8]),
        drop_path_rate=0.,
        out_indices=(0, 1, 2, 3),
        init_cfg=None))
