"""tools/test.py and tools/dist_test.sh as a user runs them, in subprocesses, on the toy seg and pose configs with
a checkpoint of an initialised model: multi-scale + flip testing (``--tta``), the raw predictions (``--out``), and
two CPU processes (gloo) giving the single-process metric."""
import json
import os
import os.path as osp
import pickle
import re
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config

from helpers import ROOT, free_port

SEG_TOY = osp.join(ROOT, 'configs/seg/uniformer/fpn_uniformer-toy_1xb8-800_toy-ade-256x256.py')
POSE_TOY = osp.join(ROOT, 'configs/pose/uniformer/td-hm_uniformer-toy_1xb32-40e_toy-kpt-128x96.py')
N_SEG = 3  # val images tested: odd, so that two processes get a padded (uneven) split


def _cpu_loaders(cfg, splits):
    for split in splits:
        cfg[f'{split}_dataloader'].update(num_workers=0, persistent_workers=False)


def _save_initialised(cfg, scope, path):
    """A checkpoint as mmengine writes one ({'state_dict': ...}) of the config's model, initialised with seed 0."""
    import backbones  # noqa: F401  registers UniFormer
    from mmengine.registry import MODELS, DefaultScope
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope(scope):
        model = MODELS.build(cfg.model)
        model.init_weights()
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, path)


def _env():
    return dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=ROOT)


def _run(cmd, cwd, **env):
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=str(cwd), env=dict(_env(), **env), timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    return done.stdout + done.stderr


def _test(config, ckpt, work_dir, *options):
    return [sys.executable, osp.join(ROOT, 'tools/test.py'), str(config), str(ckpt), '--work-dir', str(work_dir),
            *options]


def _seg_metrics(output):
    """aAcc, mIoU, mAcc of the last test log line."""
    found = re.findall(r'aAcc: ([\d.]+)\s+mIoU: ([\d.]+)\s+mAcc: ([\d.]+)', output)
    assert found, output[-3000:]
    return tuple(float(v) for v in found[-1])


@pytest.fixture(scope='module')
def seg(toy_ade, tmp_path_factory):
    """The toy seg config on the toy data (first N_SEG val images) and a checkpoint of its initialised model."""
    tmp = tmp_path_factory.mktemp('seg_test_tool')
    cfg = Config.fromfile(SEG_TOY)
    for split in ('train', 'val', 'test'):
        cfg[f'{split}_dataloader'].dataset.data_root = toy_ade
    cfg.test_dataloader.dataset.indices = N_SEG
    _cpu_loaders(cfg, ('train', 'val', 'test'))
    config = tmp / 'toy_seg.py'
    cfg.dump(str(config))
    ckpt = tmp / 'init.pth'
    _save_initialised(cfg, 'mmseg', ckpt)
    return config, ckpt


def _seg_preds(path):
    with open(path, 'rb') as f:
        preds = pickle.load(f)
    assert len(preds) == N_SEG
    for p in preds:
        assert tuple(p['pred_sem_seg']['data'].shape) == (1, *p['ori_shape'])  # at the image's own size
    return {osp.basename(p['img_path']): p['pred_sem_seg']['data'] for p in preds}


def test_tta_tests_with_the_seg_tta_model_and_its_pipeline_and_changes_predictions(seg, tmp_path):
    config, ckpt = seg
    plain = _run(_test(config, ckpt, tmp_path / 'plain', '--out', str(tmp_path / 'plain.pkl')), tmp_path)
    tta = _run(_test(config, ckpt, tmp_path / 'tta', '--tta', '--out', str(tmp_path / 'tta.pkl')), tmp_path)
    used = Config.fromfile(str(tmp_path / 'tta' / 'toy_seg.py'))  # the config the Runner ran, as it dumps it
    assert used.model.type == 'SegTTAModel' and used.model.module.type == 'EncoderDecoder'
    assert used.test_dataloader.dataset.pipeline[1].type == 'TestTimeAug'
    assert Config.fromfile(str(tmp_path / 'plain' / 'toy_seg.py')).model.type == 'EncoderDecoder'
    assert f'Iter(test) [{N_SEG}/{N_SEG}]' in tta and f'Iter(test) [{N_SEG}/{N_SEG}]' in plain
    plain_preds, tta_preds = _seg_preds(tmp_path / 'plain.pkl'), _seg_preds(tmp_path / 'tta.pkl')
    assert plain_preds.keys() == tta_preds.keys()
    changed = sum(int((plain_preds[k] != tta_preds[k]).sum()) for k in plain_preds)
    assert changed > 0, 'the TTA predictions are the plain ones'
    assert _seg_metrics(plain) != _seg_metrics(tta)


def test_tta_on_a_config_without_tta_pipeline_is_a_clear_error(toy_kpt, tmp_path):
    (tmp_path / 'ckpt.pth').touch()
    done = subprocess.run(_test(POSE_TOY, tmp_path / 'ckpt.pth', tmp_path / 'work', '--tta', '--cfg-options',
                                f'test_dataloader.dataset.data_root={toy_kpt}'),
                          capture_output=True, text=True, cwd=str(tmp_path), env=_env(), timeout=300)
    assert done.returncode != 0
    assert '--tta needs tta_model and tta_pipeline in the config' in done.stderr, done.stderr[-3000:]


def test_out_writes_one_seg_prediction_per_image(seg, tmp_path):
    config, ckpt = seg
    _run(_test(config, ckpt, tmp_path / 'work', '--out', str(tmp_path / 'preds.pkl')), tmp_path)
    preds = _seg_preds(tmp_path / 'preds.pkl')
    images = sorted(os.listdir(osp.join(Config.fromfile(str(config)).test_dataloader.dataset.data_root,
                                        'images/validation')))
    assert sorted(preds) == images[:N_SEG]
    for pred in preds.values():
        assert pred.dtype == torch.int64 and 0 <= int(pred.min()) and int(pred.max()) < 5  # the 5 toy classes


def _pose_config_and_checkpoint(toy_kpt, tmp_path):
    """The toy pose config on the toy keypoints and a checkpoint of its initialised model."""
    cfg = Config.fromfile(POSE_TOY)
    for split in ('train', 'val', 'test'):
        cfg[f'{split}_dataloader'].dataset.data_root = toy_kpt
    cfg.test_evaluator.ann_file = cfg.val_evaluator.ann_file = toy_kpt + 'annotations/person_keypoints_val.json'
    _cpu_loaders(cfg, ('train', 'val', 'test'))
    config = tmp_path / 'toy_pose.py'
    cfg.dump(str(config))
    _save_initialised(cfg, 'mmpose', tmp_path / 'init.pth')
    return config, tmp_path / 'init.pth'


def test_pose_evaluates_on_detected_person_boxes(toy_kpt, tmp_path):
    """``bbox_file`` (COCO detection results, as the COCO configs' person detections): one top-down sample per
    detection, each on its detected box, and the OKS metric over them."""
    with open(toy_kpt + 'annotations/person_keypoints_val.json') as f:
        people = [a for a in json.load(f)['annotations'] if a['num_keypoints'] > 0]
    detections = [dict(image_id=a['image_id'], category_id=1, score=0.9,
                       bbox=[a['bbox'][0] + 3, a['bbox'][1] + 2, a['bbox'][2] * 0.9, a['bbox'][3]]) for a in people]
    detections.append(dict(image_id=people[0]['image_id'], category_id=1, score=0.8, bbox=[1., 1., 20., 30.]))
    with open(tmp_path / 'detections.json', 'w') as f:
        json.dump(detections, f)
    config, ckpt = _pose_config_and_checkpoint(toy_kpt, tmp_path)
    out = _run(_test(config, ckpt, tmp_path / 'work', '--out', str(tmp_path / 'preds.pkl'), '--cfg-options',
                     f'test_dataloader.dataset.bbox_file={tmp_path / "detections.json"}'), tmp_path)
    assert 'coco/AP:' in out, out[-3000:]
    with open(tmp_path / 'preds.pkl', 'rb') as f:
        preds = pickle.load(f)
    assert len(preds) == len(detections)
    used = sorted(tuple(np.round(np.asarray(p['gt_instances']['bboxes'][0]), 2)) for p in preds)
    expected = sorted(tuple(np.round([x, y, x + w, y + h], 2)) for x, y, w, h in (d['bbox'] for d in detections))
    np.testing.assert_allclose(used, expected, atol=0.01)


def test_out_writes_one_pose_prediction_per_person_in_image_coordinates(toy_kpt, tmp_path):
    config, ckpt = _pose_config_and_checkpoint(toy_kpt, tmp_path)
    out = _run(_test(config, ckpt, tmp_path / 'work', '--out', str(tmp_path / 'preds.pkl')), tmp_path)
    assert 'coco/AP:' in out, out[-3000:]
    with open(toy_kpt + 'annotations/person_keypoints_val.json') as f:
        people = [a for a in json.load(f)['annotations'] if a['num_keypoints'] > 0]
    with open(tmp_path / 'preds.pkl', 'rb') as f:
        preds = pickle.load(f)
    assert len(preds) == len(people)  # top-down: one sample per person box
    by_id = {a['id']: a for a in people}
    assert sorted(p['id'] for p in preds) == sorted(by_id)
    for pred in preds:
        instances = pred['pred_instances']
        keypoints, scores = np.asarray(instances['keypoints']), np.asarray(instances['keypoint_scores'])
        assert keypoints.shape == (1, 17, 2) and scores.shape == (1, 17)
        # decoded back to the image: inside the person's box as the model saw it (padded 1.25, aspect 96:128)
        x, y, w, h = by_id[pred['id']]['bbox']
        cx, cy = x + w / 2, y + h / 2
        w, h = 1.25 * w, 1.25 * h
        w, h = max(w, 0.75 * h), max(h, w / 0.75)
        assert (np.abs(keypoints[0, :, 0] - cx) <= w / 2 + 1).all(), (keypoints, (x, y, w, h))
        assert (np.abs(keypoints[0, :, 1] - cy) <= h / 2 + 1).all(), (keypoints, (x, y, w, h))


def test_two_cpu_processes_give_the_single_process_metric_and_predictions(seg, tmp_path):
    config, ckpt = seg
    single = _run(_test(config, ckpt, tmp_path / 'single', '--out', str(tmp_path / 'single.pkl')), tmp_path)
    dist = _run(['bash', osp.join(ROOT, 'tools/dist_test.sh'), str(config), str(ckpt), '2', '--work-dir',
                 str(tmp_path / 'dist'), '--out', str(tmp_path / 'dist.pkl')], tmp_path, PORT=free_port())
    assert 'Distributed training: True' in dist and 'GPU number: 2' in dist, dist[-3000:]  # 2 processes
    assert 'Iter(test) [2/2]' in dist  # 3 images over 2 processes: 2 each, the padding dropped again
    assert _seg_metrics(dist) == _seg_metrics(single)
    single_preds, dist_preds = _seg_preds(tmp_path / 'single.pkl'), _seg_preds(tmp_path / 'dist.pkl')
    assert single_preds.keys() == dist_preds.keys()
    assert all(torch.equal(single_preds[k], dist_preds[k]) for k in single_preds)
