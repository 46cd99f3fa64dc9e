"""The tools' checks of what a config needs on disk, as a user meets them."""
import os.path as osp

import pytest

from helpers import ROOT


@pytest.mark.parametrize('config,checkpoint', [
    ('det/uniformer/mask-rcnn_uniformer-s-h14_fpn_1x_coco.py', 'pretrained/uniformer_small_in1k.pth'),
    ('seg/uniformer/fpn_uniformer-xs_8xb4-80k_ade20k-512x512.py', 'pretrained/uniformer_xs_224_in1k.pth'),
    ('pose/uniformer/td-hm_uniformer-b_8xb128-210e_coco-256x192.py', 'pretrained/uniformer_base_in1k.pth'),
    ('det/uniformer_maskrcnn_3x.py', 'pretrained/uniformer_small_in1k.pth'),  # an alias at the promised path
])
def test_missing_pretrained_checkpoint_names_the_file_and_where_to_get_it(config, checkpoint, tmp_path, monkeypatch):
    from backbones.cli.config import check_pretrained, load_config
    monkeypatch.chdir(tmp_path)
    path = osp.join(ROOT, 'configs', config)
    cfg = load_config(path)
    with pytest.raises(FileNotFoundError) as error:
        check_pretrained(cfg, path)
    message = str(error.value)
    assert f'Pretrained checkpoint not found: {checkpoint}' in message
    readme = osp.join(osp.dirname(path), 'README.md')
    if not osp.exists(readme):  # an alias: the README of the family folder it points into
        readme = osp.join(osp.dirname(path), 'uniformer', 'README.md')
    assert f'"Checkpoints" in {readme}' in message and 'model.backbone.init_cfg=None' in message
    with open(readme) as f:
        assert osp.basename(checkpoint) in f.read()  # the README does name the file
    cfg.model.backbone.init_cfg = None
    check_pretrained(cfg, path)  # from scratch: nothing to check
