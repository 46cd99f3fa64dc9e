"""Regenerate ``tests/data/uniformer_key_manifests.json`` from the official UniFormer code (developers only).

The official models are built on the CPU with nothing loaded, and their state-dict names and shapes are recorded:

- the ImageNet classifiers of ``image_classification/models/uniformer.py`` and ``uniformer_light.py``, one per zoo
  arch, by their factory functions (``uniformer_small``, ``uniformer_small_plus``, ``uniformer_small_plus_dim64``,
  ``uniformer_base``, ``uniformer_base_ls``, ``uniformer_xxs``, ``uniformer_xs``), as ``*_in1k.pth`` hold them;
- the downstream backbones (``object_detection/mmdet/models/backbones/uniformer*.py``,
  ``semantic_segmentation/mmseg/models/backbones/uniformer*.py``, ``pose_estimation/mmpose/models/backbones/
  uniformer.py``) built with the ``model.backbone`` of every official experiment config (``*/exp*/**/*.py``), with
  the ``backbone.`` prefix the released detection / segmentation / pose checkpoints have. Configs giving the same
  names and shapes from the same file share one case, which lists them. The ``semantic_segmentation/fpn_seg``
  experiments are built with the mmseg files too (its own copies are the same code: ``uniformer.py`` differs by one
  import line, ``uniformer_light.py`` not at all).

Each case also says which class and zoo arch of this project it corresponds to (no attention setting changes a
UniFormer's parameters, so none is recorded for ours; the official windows / hybrid flags of each config are listed).
tests/models/test_uniformer_manifests.py loads every case into that model with ``strict=True``.

    python tests/make_uniformer_manifests.py --official /path/to/UniFormer [--commit SHA]

``--official`` is a checkout of Sense-X/UniFormer (image_classification, object_detection, semantic_segmentation and
pose_estimation are read). The official files need timm and mmdet / mmseg / mmpose 2.x; small stand-ins for those
imports are given here (nothing is loaded or run, so they never touch a name or a shape). The configs are read with
mmengine's ``Config`` (their ``_base_`` files included). No GPU and no download is needed.
"""
import argparse
import glob
import json
import os.path as osp
import re
import subprocess
import sys
import types
from typing import Dict, List, Optional

import torch.nn as nn

MANIFESTS = osp.join(osp.dirname(__file__), 'data', 'uniformer_key_manifests.json')
PREFIX = 'backbone.'
# official ImageNet factory -> (our class, our zoo arch)
CLASSIFIERS = {
    'image_classification/models/uniformer.py': {
        'uniformer_small': ('UniFormer', 'small'),
        'uniformer_small_plus': ('UniFormer', 'small_plus'),
        'uniformer_small_plus_dim64': ('UniFormer', 'small_plus_dim64'),
        'uniformer_base': ('UniFormer', 'base'),
        'uniformer_base_ls': ('UniFormer', 'base_ls'),
    },
    'image_classification/models/uniformer_light.py': {
        'uniformer_xxs': ('UniFormerLight', 'xxs'),
        'uniformer_xs': ('UniFormerLight', 'xs'),
    },
}
# per toolbox: the case name prefix and the folder of the backbone files its experiments build
TOOLBOXES = {
    'object_detection': ('det', 'object_detection/mmdet/models/backbones'),
    'semantic_segmentation': ('seg', 'semantic_segmentation/mmseg/models/backbones'),
    'pose_estimation': ('pose', 'pose_estimation/mmpose/models/backbones'),
}
# official backbone type (class name) -> (its file in that folder, our class)
OFFICIAL_TYPES = {'UniFormer': ('uniformer.py', 'UniFormer'),
                  'UniFormer_Light': ('uniformer_light.py', 'UniFormerLight')}
# the imports of the official files, replaced by stand-ins
STRIPPED_IMPORT = re.compile(r'^from (timm[\w.]*|mmcv_custom|mm(det|seg|pose)[\w.]*|\.\.builder) import (.+)$', re.M)
STAND_INS = dict(
    DropPath=lambda *a, **k: nn.Identity(),
    to_2tuple=lambda x: (x, x) if isinstance(x, int) else tuple(x),
    trunc_normal_=lambda tensor, *a, **k: tensor,  # no initialisation: only names and shapes are read
    _cfg=lambda **k: dict(k),
    register_model=lambda fn: fn,
    load_checkpoint=None,
    get_root_logger=None,
    BACKBONES=types.SimpleNamespace(register_module=lambda *a, **k: (lambda cls: cls)),
)


def load_official_file(repo: str, path: str) -> types.ModuleType:
    """Execute an official model file, its timm / mm* / mmcv_custom imports replaced by :data:`STAND_INS`. A fresh
    module each time: ``uniformer_base_ls`` switches LayerScale on through a module global."""
    src = open(osp.join(repo, path)).read()
    for m in STRIPPED_IMPORT.finditer(src):
        names = {n.strip() for n in m.group(3).split(',')}
        assert names <= set(STAND_INS), f'{path}: no stand-in for {names - set(STAND_INS)} ({m.group(0)!r})'
    src = STRIPPED_IMPORT.sub('', src)
    assert not re.search(r'^\s*(from|import) (timm|mm|mmcv_custom)', src, re.M), f'{path}: an import is left'
    mod = types.ModuleType('official_' + path.replace('/', '_')[:-3])
    mod.__dict__.update(STAND_INS, print=lambda *a, **k: None)
    exec(compile(src, osp.join(repo, path), 'exec'), mod.__dict__)
    return mod


def manifest(model: nn.Module, prefix: str = '') -> Dict[str, List[int]]:
    return {prefix + k: list(v.shape) for k, v in model.state_dict().items()}


def our_arch(cls_name: str, kwargs: dict) -> str:
    """The zoo arch of our class an official backbone's kwargs build (everything shapes depend on, plus head_dim,
    mlp_ratio and the pruning schedule, must agree)."""
    from backbones import UniFormer, UniFormerLight
    cls = dict(UniFormer=UniFormer, UniFormerLight=UniFormerLight)[cls_name]
    if cls is UniFormer:
        want = dict(depths=list(kwargs.get('layers', [3, 4, 8, 3])), embed_dims=list(kwargs['embed_dim']),
                    head_dim=kwargs['head_dim'], conv_stem=False, layer_scale=None,
                    mlp_ratio=float(kwargs.get('mlp_ratio', 4.)))
    else:
        ratios = kwargs['mlp_ratio']
        assert len(set(ratios)) == 1, ratios
        want = dict(depths=list(kwargs['depth']), embed_dims=list(kwargs['embed_dim']), head_dim=kwargs['head_dim'],
                    conv_stem=bool(kwargs.get('conv_stem')), layer_scale=None, mlp_ratio=float(ratios[0]),
                    prune_ratio=[list(r) for r in kwargs['prune_ratio'][2:]],
                    trade_off=[list(r) for r in kwargs['trade_off'][2:]])
    names = [n for n, a in cls.arch_zoo.items() if cls.resolve_arch(a) == want]
    assert names, f'no {cls_name} zoo arch is {want}'
    return max(names, key=len)  # 'small' rather than 's'


def classification_cases(repo: str) -> Dict[str, dict]:
    cases = {}
    for path, factories in CLASSIFIERS.items():
        for factory, (cls_name, arch) in factories.items():
            model = getattr(load_official_file(repo, path), factory)()
            cases[f'cls-{arch}'] = dict(layout='classification', file=path, build=f'{factory}()',
                                        ours=dict(cls=cls_name, arch=arch), keys=manifest(model))
    return cases


def downstream_cases(repo: str) -> Dict[str, dict]:
    from mmengine import Config
    cases = {}
    for toolbox, (short, backbone_dir) in TOOLBOXES.items():
        configs = sorted(set(glob.glob(osp.join(repo, toolbox, '**', 'exp*', '**', '*.py'), recursive=True)))
        for config in configs:
            model_cfg = Config.fromfile(config).get('model')
            backbone = dict((model_cfg or {}).get('backbone') or {})
            if backbone.get('type') not in OFFICIAL_TYPES:
                continue
            official_type = backbone.pop('type')
            file_name, cls_name = OFFICIAL_TYPES[official_type]
            path = f'{backbone_dir}/{file_name}'
            official_cls = getattr(load_official_file(repo, path), official_type)
            keys = manifest(official_cls(**backbone), PREFIX)
            arch = our_arch(cls_name, backbone)
            attn = {k: backbone[k] for k in ('windows', 'hybrid', 'window_size') if k in backbone}
            entry = dict(config=osp.relpath(config, repo), **attn)
            name = f'{short}-{arch}'
            case = cases.setdefault(name, dict(layout='downstream', file=path, prefix=PREFIX,
                                               ours=dict(cls=cls_name, arch=arch), configs=[], keys=keys))
            assert case['file'] == path and case['keys'] == keys, f'{config}: another layout than {name}'
            case['configs'].append(entry)
    return cases


def git_commit(repo: str) -> Optional[str]:
    try:
        return subprocess.run(['git', '-C', repo, 'rev-parse', 'HEAD'], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--official', required=True, help='a checkout of Sense-X/UniFormer')
    parser.add_argument('--commit', help='the commit of that checkout (default: git rev-parse HEAD in it)')
    args = parser.parse_args()
    sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
    cases = {**classification_cases(args.official), **downstream_cases(args.official)}
    data = dict(source=dict(repo='Sense-X/UniFormer', commit=args.commit or git_commit(args.official)),
                note='state-dict name -> shape of official models (see tests/make_uniformer_manifests.py)',
                cases=cases)
    with open(MANIFESTS, 'w') as f:
        json.dump(data, f, separators=(',', ':'))
        f.write('\n')
    for name, case in cases.items():
        print(f'{name:24s} {len(case["keys"]):4d} keys  {case["file"]}  {len(case.get("configs", []))} configs')
    print(f'wrote {MANIFESTS} ({osp.getsize(MANIFESTS) / 1e3:.0f} KB)')


if __name__ == '__main__':
    main()
