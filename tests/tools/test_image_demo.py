"""tools/image_demo.py writes pictures for every toolbox, offline (pose without a detector: the whole image)."""
import glob
import os.path as osp
import runpy
import sys

import pytest
import torch

from helpers import ROOT

TOYS = {
    'det': ('configs/det/uniformer/mask-rcnn_uniformer-toy_fpn_1x_toy-coco.py', 'toy_coco', 'val/*.jpg'),
    'seg': ('configs/seg/uniformer/fpn_uniformer-toy_1xb8-800_toy-ade-256x256.py', 'toy_ade',
            'images/validation/*.jpg'),
    'pose': ('configs/pose/uniformer/td-hm_uniformer-toy_1xb32-40e_toy-kpt-128x96.py', 'toy_kpt', 'val/*.jpg'),
}


@pytest.mark.parametrize('task', sorted(TOYS))
def test_image_demo_draws_a_picture(task, request, tmp_path, monkeypatch):
    from mmengine.registry import DefaultScope
    from mmengine.registry import MODELS
    from backbones.cli.config import load_config
    config, data, pattern = TOYS[task]
    image = sorted(glob.glob(osp.join(request.getfixturevalue(data), pattern)))[0]
    cfg = load_config(osp.join(ROOT, config))
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = MODELS.build(cfg.model)
    model.init_weights()
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, tmp_path / 'model.pth')
    out = tmp_path / 'out'
    monkeypatch.setattr(sys, 'argv', ['image_demo.py', image, osp.join(ROOT, config), '--weights',
                                      str(tmp_path / 'model.pth'), '--out-dir', str(out)])
    runpy.run_path(osp.join(ROOT, 'tools/image_demo.py'), run_name='__main__')
    pictures = glob.glob(str(out / 'vis' / '*'))
    assert [osp.basename(p)[:6] for p in pictures] == [osp.basename(image)[:6]], pictures
    assert osp.getsize(pictures[0]) > 1000


def test_pose_demo_refuses_half_a_detector(tmp_path, monkeypatch):
    config = osp.join(ROOT, TOYS['pose'][0])
    (tmp_path / 'x.jpg').write_bytes(b'')
    monkeypatch.setattr(sys, 'argv', ['image_demo.py', str(tmp_path / 'x.jpg'), config, '--weights', config,
                                      '--det-config', config])
    with pytest.raises(SystemExit, match='--det-config and --det-weights go together'):
        runpy.run_path(osp.join(ROOT, 'tools/image_demo.py'), run_name='__main__')
