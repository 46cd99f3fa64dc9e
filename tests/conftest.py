"""Shared test fixtures. Its presence also puts tests/ on sys.path (pytest's rootdir conftest), so the tests import
helpers.py and make_uniformer_reference.py by name.

The toy datasets are made once per session by the project's own generators (tools/make_toy_*.py, deterministic),
small enough for a CPU: the config suites (tests/configs/) run every config's pipeline on them, and a training
and a test iteration of one config per (family, backbone, neck, head type)."""
import functools
import os.path as osp
import sys

import pytest

from helpers import ROOT

sys.path.insert(0, osp.join(ROOT, 'tools'))


@pytest.fixture(scope='session', autouse=True)
def _read_toolbox_metafiles_once():
    """mmengine resolves every ``mmdet::`` / ``mmseg::`` / ``mmpose::`` base of a config by reading all of that
    toolbox's metafiles again (about 400 YAML files, 0.3 s per base, most of ``Config.fromfile``); the files do not
    change during a session, so read each once."""
    from mmengine.config import utils
    with pytest.MonkeyPatch.context() as patch:
        if callable(getattr(utils, 'load', None)):
            patch.setattr(utils, 'load', functools.lru_cache(maxsize=None)(utils.load))
        yield


@pytest.fixture(scope='session')
def toy_coco(tmp_path_factory):
    """Toy COCO instance segmentation (squares, circles, triangles): 4 train and 2 val images of 128 px."""
    from make_toy_coco import write_split
    root = tmp_path_factory.mktemp('toy_coco')
    write_split(str(root), 'train', 4, 128, seed=0)
    write_split(str(root), 'val', 2, 128, seed=1)
    return str(root) + '/'


@pytest.fixture(scope='session')
def toy_ade(tmp_path_factory):
    """Toy ADE20K-layout semantic segmentation (5 classes): 24 training and 8 validation scenes of 128 px."""
    from make_toy_ade import write_split
    root = tmp_path_factory.mktemp('toy_ade')
    write_split(str(root), 'training', 24, 128, seed=0)
    write_split(str(root), 'validation', 8, 128, seed=1)
    return str(root) + '/'


@pytest.fixture(scope='session')
def toy_kpt(tmp_path_factory):
    """Toy COCO keypoints (stick figures, 17 keypoints): 4 train and 2 val images of 128 px."""
    from make_toy_keypoints import write_split
    root = tmp_path_factory.mktemp('toy_kpt')
    write_split(str(root), 'train', 4, 128, seed=0)
    write_split(str(root), 'val', 2, 128, seed=1)
    return str(root) + '/'
