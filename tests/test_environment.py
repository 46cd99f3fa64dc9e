"""The pinned stack works: compiled mmcv ops, each toolbox builds and runs its own shipped config,
and mmengine checkpoints with non-tensor ``meta`` load and resume under torch >= 2.6."""
import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.hub import get_config
from mmengine.model import BaseModel
from mmengine.runner import Runner


def test_mmcv_nms_matches_hand_computation():
    from mmcv.ops import nms
    boxes = torch.tensor([[0., 0., 10., 10.], [1., 1., 11., 11.], [20., 20., 30., 30.], [0., 0., 10., 4.]])
    scores = torch.tensor([0.9, 0.8, 0.7, 0.6])
    # IoU(0, 1) = 81 / 119 = 0.68 > 0.5 -> 1 suppressed; IoU(0, 3) = 40 / 100 = 0.4 -> 3 kept
    dets, keep = nms(boxes, scores, iou_threshold=0.5)
    assert keep.tolist() == [0, 2, 3]
    assert torch.allclose(dets[:, 4], scores[[0, 2, 3]])


def test_mmcv_roi_align_matches_hand_computation():
    from mmcv.ops import RoIAlign
    ys, xs = torch.meshgrid(torch.arange(16.), torch.arange(16.), indexing='ij')
    feat = (2 * xs + 3 * ys + 1)[None, None]  # bilinear sampling of a linear map is exact
    rois = torch.tensor([[0., 4., 4., 12., 10.]])  # (batch, x1, y1, x2, y2)
    out = RoIAlign((2, 2), spatial_scale=1., sampling_ratio=2, aligned=True)(feat, rois)
    # aligned: bin centres at x = 4 - 0.5 + (j + 0.5) * 4, y = 4 - 0.5 + (i + 0.5) * 3
    x_c, y_c = torch.tensor([5.5, 9.5]), torch.tensor([5., 8.])
    expected = 2 * x_c[None, :] + 3 * y_c[:, None] + 1
    assert torch.allclose(out[0, 0], expected, atol=1e-5)


def _build_shipped_config(cfg_name, registry):
    """Build a toolbox's own config, with SyncBN swapped for BN (SyncBN needs a GPU)."""
    from mmengine.registry import init_default_scope
    cfg = get_config(cfg_name)
    init_default_scope(cfg.get('default_scope'))
    cfg = Config.fromstring(cfg.pretty_text.replace("'SyncBN'", "'BN'"), '.py')
    cfg.model.pop('init_cfg', None)
    cfg.model.get('backbone', {}).pop('init_cfg', None)
    model = registry.build(cfg.model)
    model.eval()
    return model


def _forward_shipped_config(cfg_name, registry, inputs):
    with torch.no_grad():
        return _build_shipped_config(cfg_name, registry)(inputs, None, mode='tensor')


def test_mmdet_builds_and_runs_its_mask_rcnn_config():
    from mmdet.registry import MODELS
    from mmdet.structures import DetDataSample
    model = _build_shipped_config('mmdet::mask_rcnn/mask-rcnn_r50_fpn_1x_coco.py', MODELS)
    sample = DetDataSample(metainfo=dict(img_shape=(128, 160), ori_shape=(128, 160), scale_factor=(1., 1.)))
    image = torch.randint(0, 255, (3, 128, 160), dtype=torch.uint8)
    with torch.no_grad():
        pred = model.test_step(dict(inputs=[image], data_samples=[sample]))[0].pred_instances
    assert pred.bboxes.shape[1] == 4 and len(pred.scores) == len(pred.masks) == len(pred.labels)


def test_mmseg_builds_and_runs_its_upernet_config():
    from mmseg.registry import MODELS
    out = _forward_shipped_config('mmseg::upernet/upernet_r18_4xb2-40k_cityscapes-512x1024.py', MODELS,
                                  torch.rand(1, 3, 64, 64))
    assert out.shape == (1, 19, 16, 16)


def test_mmpose_builds_and_runs_its_topdown_config():
    from mmpose.registry import MODELS
    cfg = 'mmpose::body_2d_keypoint/topdown_heatmap/coco/td-hm_res50_8xb64-210e_coco-256x192.py'
    out = _forward_shipped_config(cfg, MODELS, torch.rand(1, 3, 256, 192))
    assert out.shape == (1, 17, 64, 48)


class _TinyModel(BaseModel):

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 1)

    def forward(self, x, mode='loss'):
        return dict(loss=self.fc(x).pow(2).mean())


class _TinyData(torch.utils.data.Dataset):

    def __len__(self):
        return 8

    def __getitem__(self, i):
        return dict(x=torch.full((2, ), float(i)))


def _runner(work_dir, max_iters, resume=False):
    return Runner(
        model=_TinyModel(),
        work_dir=str(work_dir),
        train_dataloader=dict(
            dataset=_TinyData(), batch_size=2, sampler=dict(type='DefaultSampler', shuffle=False),
            collate_fn=dict(type='default_collate')),
        optim_wrapper=dict(optimizer=dict(type='AdamW', lr=0.01)),
        train_cfg=dict(by_epoch=False, max_iters=max_iters),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=2, by_epoch=False)),
        resume=resume,
        randomness=dict(seed=0))


def test_checkpoint_with_numpy_meta_and_message_hub_loads(tmp_path):
    from backbones.checkpoint import allow_mmengine_checkpoint_types, load_checkpoint_file
    runner = _runner(tmp_path, max_iters=2)
    runner.message_hub.update_info('np_scalar', np.float64(3.5))
    runner.message_hub.update_info('np_array', np.arange(3))
    runner.train()
    ckpt = load_checkpoint_file(str(tmp_path / 'iter_2.pth'))
    assert ckpt['meta']['iter'] == 2
    hub = ckpt['message_hub']
    assert hub['runtime_info']['np_scalar'] == 3.5
    assert hub['log_scalars']['train/loss'].current() == pytest.approx(runner.message_hub.get_scalar('train/loss').current())
    # plain torch.load (weights_only by default) after the documented call: this is what mmengine calls inside
    allow_mmengine_checkpoint_types()
    assert torch.load(tmp_path / 'iter_2.pth')['meta']['iter'] == 2


def test_resume_continues_iteration_and_optimizer_state(tmp_path):
    from backbones.checkpoint import allow_mmengine_checkpoint_types
    allow_mmengine_checkpoint_types()  # what the project's tools call before mmengine loads a checkpoint
    _runner(tmp_path, max_iters=2).train()
    resumed = _runner(tmp_path, max_iters=4, resume=True)
    resumed.train()
    assert resumed.iter == 4
    steps = [s['step'] for s in resumed.optim_wrapper.optimizer.state.values()]
    assert all(int(s) == 4 for s in steps)
