"""The layout of configs/: every path users were shown still resolves (an alias of the config in its family
folder), every family folder has its OpenMMLab metadata (metafile.yml, imported by model-index.yml), every config
names the project's runner hooks, and the bases are split as the README says: family-neutral recipe bases in
configs/<task>/_base_/, one backbone fragment per family in configs/<task>/_base_/backbones/, no family's config
reaching another family's file, a family's larger archs inheriting its small one. Cheap: configs are parsed, no
model is built."""
import ast
import functools
import glob
import importlib
import os.path as osp
import re

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
# the family-neutral bases (models, datasets, schedules, runtimes) and the backbone fragments, one per family and task
NEUTRAL_BASES = sorted(
    osp.relpath(p, ROOT) for task in TASKS for p in glob.glob(osp.join(ROOT, f'configs/{task}/_base_/*.py')))
FRAGMENTS = sorted(
    osp.relpath(p, ROOT) for task in TASKS
    for p in glob.glob(osp.join(ROOT, f'configs/{task}/_base_/backbones/*.py')))


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


def _bases(path):
    """The ``_base_`` files a config names (repo paths; the toolboxes' own ``mmdet::`` ... files left out)."""
    with open(osp.join(ROOT, path)) as f:
        tree = ast.parse(f.read())
    names = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and [getattr(t, 'id', None) for t in node.targets] == ['_base_']:
            value = ast.literal_eval(node.value)
            names = [value] if isinstance(value, str) else list(value)
    return [osp.normpath(osp.join(osp.dirname(path), n)) for n in names if '::' not in n]


def _reached(path):
    """Every project file a config inherits, directly or through its bases."""
    seen, todo = set(), _bases(path)
    while todo:
        base = todo.pop()
        if base not in seen:
            seen.add(base)
            todo += _bases(base)
    return seen


def _owner(path):
    """The family a project config file belongs to (``configs/<task>/<family>/`` or a fragment
    ``configs/<task>/_base_/backbones/<family>[-<variant>].py``, e.g. uniformer-light of uniformer), or None for a
    family-neutral base."""
    parts = path.split('/')
    if parts[2] != '_base_':
        return parts[2]
    if parts[3] == 'backbones':
        return osp.splitext(parts[4])[0].split('-')[0]
    return None


def _fragment(path):
    """The backbone dict a fragment defines: its one statement, ``backbone = dict(...)``, with no base."""
    with open(osp.join(ROOT, path)) as f:
        body = ast.parse(f.read()).body
    assert len(body) == 1 and isinstance(body[0], ast.Assign), f'{path}: a fragment holds its backbone dict only'
    assert [getattr(t, 'id', None) for t in body[0].targets] == ['backbone'], path
    return Config.fromfile(osp.join(ROOT, path)).backbone


@pytest.mark.parametrize('path', FAMILY_CONFIGS)
def test_no_family_config_inherits_another_familys_file(path):
    """A family's configs reach the toolboxes' bases, the family-neutral bases, their own family's fragment(s) and
    configs, nothing of another family (configs or backbone fragment)."""
    family = _owner(path)
    others = sorted(base for base in _reached(path) if _owner(base) not in (None, family))
    assert not others, f'{path} ({family}) inherits another family\'s {others}'


@pytest.mark.parametrize('path', NEUTRAL_BASES)
def test_neutral_bases_name_no_family(path):
    """A recipe base reaches no fragment and no family config, and leaves the backbone to the fragments: its model
    (if any) has the toolbox's own backbone, none of the project's families."""
    from backbones import FAMILIES
    assert all(_owner(base) is None for base in _reached(path)), (path, sorted(_reached(path)))
    backbone = Config.fromfile(osp.join(ROOT, path)).get('model', {}).get('backbone', {})
    assert backbone.get('type') not in FAMILIES, f'{path} sets a family\'s backbone ({backbone.get("type")})'


@pytest.mark.parametrize('path', FRAGMENTS)
def test_fragment_is_one_backbone_dict_of_a_family(path):
    """``_delete_`` (the toolbox's backbone goes), a family's type, an ImageNet checkpoint; named after a family
    folder of its task, and used by that family's configs."""
    from backbones import FAMILIES
    backbone = _fragment(path)
    assert backbone['_delete_'] is True and backbone['type'] in FAMILIES
    assert backbone['init_cfg']['type'] == 'Pretrained'
    task, family = path.split('/')[1], _owner(path)
    assert f'configs/{task}/{family}' in FAMILY_DIRS, f'{path}: no family folder configs/{task}/{family}'
    assert any(path in _bases(c) for c in FAMILY_CONFIGS if c.startswith(f'configs/{task}/{family}/')), path


_NAME = re.compile(r'(?P<head>[^_]+)_(?P<family>[a-z]+)-(?P<arch>xxs|xs|s|m|b)(?P<variant>(-[hw]\d+(-test)?)?)_'
                   r'(?P<rest>.+)\.py$')
SMALL = {'m': 's', 'b': 's', 'xs': 'xxs'}  # the arch a larger one inherits


def _parent_by_name(path):
    """The config of its folder that ``path`` should inherit, by name: an attention variant (``-h14``, ``-w32-test``
    ...) its arch's config without the variant, where there is one; a larger arch (M, B; UniFormer-Light XS) the
    config of the small arch (S; XXS) with the same head, variant, data and schedule (the GPU x batch token may
    differ: larger archs take smaller batches)."""
    folder, name = osp.split(path)
    match = _NAME.match(name)
    if not match:
        return None
    head, family, arch, variant, rest = match.group('head', 'family', 'arch', 'variant', 'rest')
    plain = osp.join(folder, f'{head}_{family}-{arch}_{rest}.py')
    if variant and plain in FAMILY_CONFIGS:
        return plain
    if arch not in SMALL:
        return None
    pattern = re.compile(re.escape(f'{head}_{family}-{SMALL[arch]}{variant}_') +
                         re.escape(re.sub(r'\d+xb\d+', '@', rest)).replace('@', r'\d+xb\d+') + r'\.py$')
    candidates = [c for c in FAMILY_CONFIGS if osp.dirname(c) == folder and pattern.match(osp.basename(c))]
    assert len(candidates) == 1, (path, candidates)
    return candidates[0]


INHERITING = {p: _parent_by_name(p) for p in FAMILY_CONFIGS if _parent_by_name(p)}


def test_larger_archs_and_variants_are_found():
    """The rule below covers every family with more than one arch (and every variant config)."""
    assert {osp.dirname(p) for p in INHERITING} >= {
        'configs/det/uniformer', 'configs/det/sgformer', 'configs/seg/uniformer', 'configs/seg/sgformer',
        'configs/pose/uniformer', 'configs/pose/vit'}
    assert len(INHERITING) >= 27


@pytest.mark.parametrize('path', sorted(INHERITING))
def test_larger_arch_inherits_the_small_archs_config(path):
    """A family's M / B configs (UniFormer-Light's XS) inherit its S (XXS) config and change the backbone's arch and
    what goes with it; an attention variant inherits its arch's config. The one base is that config."""
    assert _bases(path) == [INHERITING[path]], f'{path} inherits {_bases(path)}, not {INHERITING[path]}'
