"""The layout of configs/: every path users were shown still resolves (an alias of the config in its family
folder), every family folder has its OpenMMLab metadata (metafile.yml, imported by model-index.yml), and every
config names the project's runner hooks. Cheap: configs are parsed, no model is built."""
import ast
import functools
import glob
import importlib
import os.path as osp

import pytest
import yaml
from mmengine.config import Config

from helpers import ROOT

TASKS = ('det', 'seg', 'pose')
# every config of configs/{det,seg,pose}/ before the family folders: the README listed them all
PROMISED = [f'configs/det/{n}.py' for n in (
    'uniformer_maskrcnn_3x', 'mask-rcnn_uniformer-s-h14_fpn_1x_coco', 'mask-rcnn_uniformer-s-h14_fpn_ms-crop-3x_coco',
    'mask-rcnn_uniformer-b-h14_fpn_1x_coco', 'mask-rcnn_uniformer-b-h14_fpn_ms-crop-3x_coco',
    'cascade-mask-rcnn_uniformer-s-h14_fpn_ms-crop-3x_coco', 'cascade-mask-rcnn_uniformer-b-h14_fpn_ms-crop-3x_coco',
    'mask-rcnn_uniformer-xxs_fpn_1x_coco', 'mask-rcnn_uniformer-xs_fpn_1x_coco', 'mask-rcnn_uniformer-toy_fpn_1x_toy-coco')]
PROMISED += [f'configs/seg/{head}_uniformer-{arch}{variant}_{sched}_ade20k-512x512.py'
             for head, sched in (('upernet', '8xb2-160k'), ('fpn', '8xb4-80k')) for arch in ('s', 'b')
             for variant in ('', '-h14', '-w32-test', '-h32-test')]
PROMISED += ['configs/seg/fpn_uniformer-xxs_8xb4-80k_ade20k-512x512.py',
             'configs/seg/fpn_uniformer-xs_8xb4-80k_ade20k-512x512.py',
             'configs/seg/fpn_uniformer-toy_1xb8-800_toy-ade-256x256.py']
PROMISED += [f'configs/pose/td-hm_uniformer-{n}.py' for n in (
    's_8xb32-210e_coco-256x192', 's_8xb128-210e_coco-256x192', 's_8xb128-210e_coco-384x288',
    's_8xb64-210e_coco-448x320', 'b_8xb128-210e_coco-256x192', 'b_8xb32-210e_coco-384x288',
    'b_8xb32-210e_coco-448x320', 'toy_1xb32-40e_toy-kpt-128x96')]

ALIASES = sorted(osp.relpath(p, ROOT) for task in TASKS for p in glob.glob(osp.join(ROOT, f'configs/{task}/*.py')))
FAMILY_CONFIGS = sorted(
    osp.relpath(p, ROOT) for task in TASKS for p in glob.glob(osp.join(ROOT, f'configs/{task}/*/*.py'))
    if osp.basename(osp.dirname(p)) != '_base_')
FAMILY_DIRS = sorted({osp.dirname(p) for p in FAMILY_CONFIGS})


@functools.lru_cache(maxsize=None)
def _resolved(path):
    """The config as mmengine resolves it, as a plain dict (parsed once per session; callers must not change it)."""
    return Config.fromfile(osp.join(ROOT, path)).to_dict()


def _alias_target(path):
    """The one thing an alias may hold: ``_base_ = './<family>/<name>.py'``; returns that target (a repo path)."""
    with open(osp.join(ROOT, path)) as f:
        body = ast.parse(f.read()).body
    assert len(body) == 1 and isinstance(body[0], ast.Assign), f'{path}: an alias holds only its _base_'
    (target, ), value = body[0].targets, body[0].value
    assert isinstance(target, ast.Name) and target.id == '_base_' and isinstance(value, ast.Constant), path
    family, name = osp.split(value.value)
    assert family.startswith('./') and '/' not in family[2:] and family[2:] != '_base_', \
        f'{path}: an alias points into a family folder (./<family>/<name>.py), not {value.value}'
    return osp.normpath(osp.join(osp.dirname(path), value.value))


def test_every_promised_path_is_still_there():
    assert set(PROMISED) <= set(ALIASES), set(PROMISED) - set(ALIASES)
    assert len(FAMILY_DIRS) >= 3


@pytest.mark.parametrize('path', ALIASES)
def test_alias_resolves_to_the_same_config_as_its_target(path):
    target = _alias_target(path)
    assert target in FAMILY_CONFIGS, f'{path} -> {target}: not a config of a family folder (or an alias of one)'
    assert _resolved(path) == _resolved(target)  # model, pipelines, schedule, hooks: everything


def _load_yaml(path):
    with open(osp.join(ROOT, path)) as f:
        return yaml.safe_load(f)


@pytest.mark.parametrize('family_dir', FAMILY_DIRS)
def test_family_folder_has_readme_and_a_metafile_listing_its_configs(family_dir):
    assert osp.isfile(osp.join(ROOT, family_dir, 'README.md'))
    meta = _load_yaml(osp.join(family_dir, 'metafile.yml'))
    collections = {c['Name']: c for c in meta['Collections']}
    for collection in collections.values():
        assert collection['Paper']['URL'] and collection['Paper']['Title'] and collection['Metadata']['Architecture']
        assert osp.isfile(osp.join(ROOT, collection['README'])), collection['README']
    models = {m['Config']: m for m in meta['Models']}
    assert len(models) == len(meta['Models']), 'a config listed twice'
    configs = {p for p in FAMILY_CONFIGS if osp.dirname(p) == family_dir}
    assert configs <= set(models), f'not in {family_dir}/metafile.yml: {sorted(configs - set(models))}'
    for config, model in models.items():
        assert osp.isfile(osp.join(ROOT, config)), f'{family_dir}/metafile.yml: no such config {config}'
        assert model['Name'] == osp.splitext(osp.basename(config))[0]
        assert model['In Collection'] in collections, model['Name']
        metadata = model['Metadata']
        assert metadata['Training Data'] and metadata['Parameters'] > 0, model['Name']
        assert ('Epochs' in metadata) != ('Iterations' in metadata), model['Name']
        assert model['Results'] and all(r['Task'] and r['Dataset'] and r['Metrics'] for r in model['Results'])
        for result in model['Results']:  # numbers or null (none published), not placeholders
            assert all(v is None or isinstance(v, (int, float)) for v in result['Metrics'].values()), (
                model['Name'], result)


def test_model_index_imports_every_metafile():
    imports = _load_yaml('model-index.yml')['Import']
    for path in imports:
        assert osp.isfile(osp.join(ROOT, path)), f'model-index.yml imports a missing {path}'
    assert sorted(imports) == sorted(osp.join(d, 'metafile.yml') for d in FAMILY_DIRS)


@pytest.mark.parametrize('path', FAMILY_CONFIGS)
def test_config_names_the_projects_runner_hooks(path):
    """Built through mmengine's registries in the toolbox's scope, as the runner builds them: the checkpoint hook is
    the project's AtomicCheckpointHook, the custom hooks hold StepSeedHook and keep the toolbox's own."""
    import backbones  # noqa: F401  (what the configs' custom_imports does: registers the hooks)
    from backbones.engine import AtomicCheckpointHook, StepSeedHook
    from mmengine.hooks import CheckpointHook
    from mmengine.registry import HOOKS, DefaultScope
    cfg = Config(_resolved(path))
    importlib.import_module(f'{cfg.default_scope}.registry')  # the toolbox's child registries, as the runner has
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        checkpoint = HOOKS.build(cfg.default_hooks.checkpoint)
        custom = [HOOKS.build(hook) for hook in cfg.get('custom_hooks', [])]
    assert type(checkpoint) is AtomicCheckpointHook and isinstance(checkpoint, CheckpointHook)
    assert [type(h) for h in custom].count(StepSeedHook) == 1
    if cfg.default_scope == 'mmpose':  # mmpose's runtime has SyncBuffersHook; a list in a config replaces, not merges
        assert 'SyncBuffersHook' in [type(h).__name__ for h in custom]
