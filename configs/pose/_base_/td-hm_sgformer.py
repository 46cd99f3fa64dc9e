# Top-down heatmap pose with an SG-Former-S backbone and the simple deconvolution head: the UniFormer pose recipe
# (./td-hm_uniformer.py: mmpose's ResNet-50 COCO config, AdamW lr 2e-3 for a batch of 1024, 210 epochs, the
# project's hooks) with the backbone swapped. SG-Former published no pose result.
_base_ = './td-hm_uniformer.py'

model = dict(
    backbone=dict(
        _delete_=True,
        type='SGFormer',
        arch='s',
        drop_path_rate=0.1,  # the arch's ImageNet value
        out_indices=(3, ),
        init_cfg=dict(type='Pretrained', checkpoint='pretrained/sgformer_s.pth')),
    head=dict(in_channels=512))
