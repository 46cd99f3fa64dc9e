"""Official key layouts load strictly: for every zoo arch, a state dict with the names and shapes of the official
ImageNet classifier (tests/data/uniformer_key_manifests.json, made from the official code by
tests/make_uniformer_manifests.py), and of the official detection / segmentation / pose backbones of each official
experiment config, loads into our backbone of that arch with ``strict=True``, every tensor arriving where it should."""
import functools
import json
import math
import os.path as osp

import pytest
import torch

from backbones import UniFormer, UniFormerLight
from make_uniformer_manifests import MANIFESTS

CLASSES = dict(UniFormer=UniFormer, UniFormerLight=UniFormerLight)
with open(MANIFESTS) as f:
    CASES = json.load(f)['cases']
# what only the official ImageNet classifiers have (head, final BatchNorm, the light family's class-token head and norm)
CLASSIFIER_ONLY = ('head', 'norm', 'head_cls', 'norm_cls', 'pre_logits')


@functools.lru_cache(maxsize=None)
def ours(cls_name: str, arch: str) -> torch.nn.Module:
    """One model per arch (building B is the cost); every case overwrites all of its tensors."""
    return CLASSES[cls_name](arch=arch)


# every fake tensor is a view of this pool at its own offset (no memory or time spent per tensor; values differ from
# position to position and from key to key): loading copies them, so what arrives is checked against the view
_POOL = torch.arange(1 << 21, dtype=torch.float32)


def fake_state_dict(keys: dict) -> dict:
    """Deterministic tensors of the manifest's names and shapes, each with other values than the others."""
    out = {}
    for i, (name, shape) in enumerate(keys.items()):
        if name.endswith('num_batches_tracked'):
            out[name] = torch.tensor(i, dtype=torch.long)
            continue
        numel = 1
        for s in shape:
            numel *= s
        offset = (i * 7919) % (len(_POOL) - numel)
        out[name] = _POOL[offset:offset + numel].view(shape)
    return out


def assert_arrived(model: torch.nn.Module, sd: dict, prefix: str = '') -> None:
    """Every tensor landed under its name (its first and last values tell which fake tensor it is), and a whole
    attention weight is equal."""
    got = model.state_dict()
    for name, value in sd.items():
        ends = [0, -1] if value.dim() else [...]
        assert torch.equal(got[name[len(prefix):]].flatten()[ends], value.flatten()[ends]), name
    assert torch.equal(model.blocks3[0].attn.qkv.weight, sd[f'{prefix}blocks3.0.attn.qkv.weight'])


@pytest.fixture(scope='module', autouse=True)
def _one_thread():
    """Hundreds of small copies per case: on a busy machine, waiting for a second thread at each costs more than
    the copies (40 s instead of 10 s measured on 2 loaded cores)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
    ours.cache_clear()


def test_manifests_cover_every_zoo_arch_and_toolbox():
    cls_archs = {(c['ours']['cls'], c['ours']['arch']) for c in CASES.values() if c['layout'] == 'classification'}
    assert cls_archs == {('UniFormer', a) for a in ('small', 'small_plus', 'small_plus_dim64', 'base', 'base_ls')} | {
        ('UniFormerLight', a) for a in ('xxs', 'xs')}
    downstream = {name for name, c in CASES.items() if c['layout'] == 'downstream'}
    assert {'det-small', 'det-base', 'det-xxs', 'det-xs', 'seg-small', 'seg-base', 'seg-xxs', 'seg-xs', 'pose-small',
            'pose-base'} <= downstream
    assert osp.getsize(MANIFESTS) < 500e3


@pytest.mark.parametrize('name', sorted(n for n, c in CASES.items() if c['layout'] == 'classification'))
def test_official_imagenet_layout_loads_strictly(name):
    case = CASES[name]
    model = ours(case['ours']['cls'], case['ours']['arch'])
    sd = fake_state_dict(case['keys'])
    kept = model.backbone_state_dict(sd)
    # the converter drops what only the classifier has, nothing else
    assert {k.split('.')[0] for k in set(sd) - set(kept)} == {k.split('.')[0] for k in sd
                                                              if k.split('.')[0] in CLASSIFIER_ONLY}
    assert all(k.split('.')[0] not in CLASSIFIER_ONLY for k in kept)
    # a classifier has no output norms: the only keys it lacks are those we add for dense prediction
    added = {k: v for k, v in model.state_dict().items() if k not in kept}
    assert added and all(model.new_in_dense_use(k) for k in added)
    assert {k.split('.')[0] for k in added} == {f'norm{i + 1}' for i in model.out_indices}
    model.load_state_dict({**sd, **added}, strict=True)
    assert_arrived(model, kept)


@pytest.mark.parametrize('name', sorted(n for n, c in CASES.items() if c['layout'] == 'downstream'))
def test_official_downstream_layout_loads_strictly(name):
    case = CASES[name]
    model = ours(case['ours']['cls'], case['ours']['arch'])
    prefix = case['prefix']
    sd = fake_state_dict(case['keys'])
    assert all(k.startswith(prefix) for k in sd)
    model.load_state_dict({k[len(prefix):]: v for k, v in sd.items()}, strict=True)
    assert_arrived(model, sd, prefix)
    official_parameters = sum(math.prod(shape) for key, shape in case['keys'].items()
                              if not key.endswith(('running_mean', 'running_var', 'num_batches_tracked')))
    assert sum(p.numel() for p in model.parameters()) == official_parameters
