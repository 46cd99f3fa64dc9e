"""What tools/train.py and tools/test.py share: config loading and the dataset check.

One set of tools serves mmdet, mmseg and mmpose configs: the toolbox is the config's
``default_scope``, and mmengine's Runner does the rest.
"""
import argparse
import os
import os.path as osp
from glob import glob
from typing import List, Optional

from mmengine.config import Config, DictAction

from ..checkpoint import allow_mmengine_checkpoint_types

TOOLBOXES = ('mmdet', 'mmseg', 'mmpose')

# What each toolbox's real data looks like, and the toy data the project makes instead.
LAYOUTS = {
    'mmdet': ('COCO: <data_root>/annotations/instances_{train,val}2017.json and <data_root>/{train,val}2017/*.jpg',
              'make demo  (or: python tools/make_toy_coco.py data/toy_coco, then '
              'configs/det/uniformer/mask-rcnn_uniformer-toy_fpn_1x_toy-coco.py)'),
    'mmseg': ('ADE20K: <data_root>/images/{training,validation}/*.jpg and '
              '<data_root>/annotations/{training,validation}/*.png, data_root data/ade/ADEChallengeData2016',
              'make demo-seg  (or: python tools/make_toy_ade.py data/toy_ade, then '
              'configs/seg/uniformer/fpn_uniformer-toy_1xb8-800_toy-ade-256x256.py)'),
    'mmpose': ('COCO keypoints: <data_root>/annotations/person_keypoints_{train,val}2017.json, '
               '<data_root>/{train,val}2017/*.jpg and, for detected person boxes, '
               '<data_root>/person_detection_results/COCO_val2017_detections_AP_H_56_person.json',
               'make demo-pose  (or: python tools/make_toy_keypoints.py data/toy_kpt, then '
               'configs/pose/uniformer/td-hm_uniformer-toy_1xb32-40e_toy-kpt-128x96.py)'),
}


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    """The options tools/train.py and tools/test.py share with mmdet's / mmseg's / mmpose's tools."""
    parser.add_argument('--work-dir', help='the dir to save logs, checkpoints and metrics')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, key=value (e.g. model.backbone.attn_mode=window)')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def parse_tool_args(parser: argparse.ArgumentParser) -> argparse.Namespace:
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def load_config(path: str, cfg_options: Optional[dict] = None, work_dir: Optional[str] = None) -> Config:
    """Read a config, apply ``--cfg-options`` and set ``work_dir`` the way mmdet's tools do. Also lets
    mmengine's own loads (``load_from``, ``--resume``) read mmengine checkpoints under torch >= 2.6."""
    allow_mmengine_checkpoint_types()
    cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    scope = cfg.get('default_scope')
    if scope not in TOOLBOXES:
        raise ValueError(f'{path}: default_scope is {scope!r}; this project\'s tools serve {TOOLBOXES}. '
                         f'Inherit a base config of one of them (e.g. mmdet::_base_/default_runtime.py).')
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(path))[0])
    return cfg


def _dataset_paths(dataset: dict) -> List[str]:
    """Local files and folders a dataset config reads (wrappers such as RepeatDataset unwrapped)."""
    if 'dataset' in dataset:
        return _dataset_paths(dataset['dataset'])
    if 'datasets' in dataset:
        return [p for d in dataset['datasets'] for p in _dataset_paths(d)]
    root = dataset.get('data_root') or ''
    paths = [dataset['bbox_file']] if dataset.get('bbox_file') else []  # mmpose's detected person boxes
    if dataset.get('ann_file'):
        paths.append(osp.join(root, dataset['ann_file']))
    for prefix in (dataset.get('data_prefix') or {}).values():
        if prefix:
            paths.append(osp.join(root, prefix))
    return [p for p in paths if '://' not in p]


def check_datasets(cfg: Config, splits=('train', 'val', 'test')) -> None:
    """Fail before any model is built when a dataset of the config is not on disk, naming the
    expected layout and the toy alternative."""
    missing = []
    for split in splits:
        loader = cfg.get(f'{split}_dataloader')
        if loader:
            missing += [p for p in _dataset_paths(loader['dataset']) if not osp.exists(p)]
    if not missing:
        return
    layout, toy = LAYOUTS.get(cfg.default_scope, ('see the config', 'the toy configs in configs/'))
    raise FileNotFoundError(
        f'Dataset not found: {", ".join(sorted(set(missing)))} (cwd: {os.getcwd()}).\n'
        f'  Expected layout: {layout}.\n'
        f'  Point the config at your copy (edit data_root or use --cfg-options '
        f'train_dataloader.dataset.data_root=... val_dataloader.dataset.data_root=... '
        f'test_dataloader.dataset.data_root=...),\n'
        f'  or try the toy data: {toy}.')


def _pretrained_files(node) -> List[str]:
    """Local checkpoint paths of every ``Pretrained`` init_cfg in a model config."""
    if isinstance(node, dict):
        found = [node['checkpoint']] if node.get('type') == 'Pretrained' and node.get('checkpoint') else []
        return found + [p for v in node.values() for p in _pretrained_files(v)]
    if isinstance(node, (list, tuple)):
        return [p for v in node for p in _pretrained_files(v)]
    return []


def check_pretrained(cfg: Config, config_path: str) -> None:
    """Fail before any model is built when a ``Pretrained`` checkpoint of the config is not on disk,
    naming where the family's configs README says to get it."""
    missing = sorted({p for p in _pretrained_files(cfg.get('model')) if '://' not in p and not osp.exists(p)})
    if missing:
        # the family README next to the config, or, for an alias at an old path, in the family folders beside it
        folder = osp.dirname(osp.abspath(config_path))
        readmes = [osp.join(folder, 'README.md')] + sorted(glob(osp.join(folder, '*', 'README.md')))
        names = [osp.basename(p) for p in missing]
        readme = next((r for r in readmes if osp.exists(r) and any(n in open(r).read() for n in names)), None)
        where = f'the table "Checkpoints" in {readme}' if readme else "the family's configs README"
        raise FileNotFoundError(
            f'Pretrained checkpoint not found: {", ".join(missing)} (cwd: {os.getcwd()}).\n'
            f'  This config starts its backbone from it; {where} names the official file and where it is published.\n'
            f'  Put it there, point model.backbone.init_cfg.checkpoint at your copy, or train from scratch with '
            f'--cfg-options model.backbone.init_cfg=None.')


def enable_visualization(cfg: Config, show_dir: Optional[str], show: bool = False, wait_time: float = 2) -> None:
    """Turn on the toolbox's visualization hook for testing, saving pictures in ``show_dir``."""
    hook = cfg.get('default_hooks', {}).get('visualization')
    if hook is None:
        raise ValueError('--show / --show-dir need default_hooks.visualization in the config')
    if cfg.default_scope == 'mmdet':
        # DetVisualizationHook joins test_out_dir to work_dir/timestamp unless it is absolute
        hook.update(draw=True, show=show, wait_time=wait_time, test_out_dir=show_dir)
    elif cfg.default_scope == 'mmseg':
        # SegVisualizationHook hands pictures to the visualizer's backends: show_dir/vis_data/vis_image/;
        # it draws every `interval`-th batch (50 by default): draw them all
        hook.update(draw=True, show=show, wait_time=wait_time, interval=1)
        if show_dir:
            cfg.visualizer.save_dir = show_dir
    else:  # mmpose: PoseVisualizationHook joins out_dir to work_dir/timestamp unless it is absolute
        hook.update(enable=True, show=show, wait_time=wait_time, out_dir=show_dir, interval=1)


def enable_tta(cfg: Config) -> None:
    """Test-time augmentation (multi-scale + flip) from the config's ``tta_model`` and ``tta_pipeline``."""
    if 'tta_model' not in cfg or 'tta_pipeline' not in cfg:
        raise ValueError('--tta needs tta_model and tta_pipeline in the config (mmseg\'s ade20k base has them)')
    cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
    cfg.tta_model.module = cfg.model
    cfg.model = cfg.tta_model
