# COCO instance segmentation with ViTDet's large-scale jitter at 1024 (mmdet projects/ViTDet
# lsj-100e_coco-instance.py; detectron2 projects/ViTDet common/coco_loader_lsj.py): flip, resize to 0.1-2.0 of
# 1024x1024 (keeping the ratio), a random crop of at most 1024x1024; testing at the long side 1024. 4 images per GPU
# (16 GPUs: a batch of 64). The padding to 1024x1024 is the model's (data_preprocessor pad_size_divisor=1024, as
# detectron2 pads in the model): a Pad in the pipeline, as mmdet's project has, would make img_shape the padded
# size, so test boxes would be clipped to the padding instead of the image (see the README).
_base_ = 'mmdet::_base_/datasets/coco_instance.py'

image_size = (1024, 1024)
train_pipeline = [
    dict(type='LoadImageFromFile', backend_args={{_base_.backend_args}}),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='RandomResize', scale=image_size, ratio_range=(0.1, 2.0), keep_ratio=True),
    dict(type='RandomCrop', crop_type='absolute_range', crop_size=image_size, recompute_bbox=True,
         allow_negative_crop=True),
    dict(type='FilterAnnotations', min_gt_bbox_wh=(1e-2, 1e-2)),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile', backend_args={{_base_.backend_args}}),
    dict(type='Resize', scale=image_size, keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='PackDetInputs', meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor'))
]
train_dataloader = dict(
    batch_size=4,
    num_workers=8,
    batch_sampler=None,  # every input is padded to 1024x1024: no aspect-ratio grouping (as the ViTDet configs)
    dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
