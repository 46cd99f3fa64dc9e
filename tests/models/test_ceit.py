"""The CeiT backbone: parity with the official code, the published sizes, the official checkpoint layouts, the
window adaptation (the class token joined to every window), shapes at detection sizes, errors."""
import json
import math

import pytest
import torch
from mmengine.logging import MMLogger

from backbones import CeiT
from backbones.models.ceit import CeiTBlock
from helpers import reference_vit_layer_id
from make_ceit_reference import MANIFESTS, REFERENCE, weights_from_layout
from make_uniformer_reference import assert_matches, deterministic_input

_ref = torch.load(REFERENCE, weights_only=True)
with open(MANIFESTS) as f:
    MANIFEST_CASES = json.load(f)['cases']
# what only the official classifier has: the layer-wise class-token attention head, its norm and the classifier
CLASSIFIER_ONLY = ('lca', 'pos_layer_embed', 'norm', 'head')
# the official README's parameter counts (M)
PUBLISHED_PARAMS = {'tiny': 6.4, 'small': 24.2, 'base': 94.4}
TINY = dict(embed_dims=16, depth=8, num_heads=2, mlp_ratio=2., stem_channels=8)


def build(arch=TINY, **kwargs):
    torch.manual_seed(0)
    model = CeiT(arch=arch, **kwargs)
    model.init_weights()
    return model.eval()


def randomized(model):
    """Non-trivial BatchNorm statistics and affine parameters, so that every part of a block shows."""
    with torch.no_grad():
        for name, t in model.state_dict().items():
            if t.is_floating_point():
                t.copy_(torch.rand_like(t) + 0.5 if name.endswith(('running_var', 'bn.weight')) else
                        0.3 * torch.randn_like(t) if not name.endswith('weight') or t.dim() > 1 else
                        1 + 0.1 * torch.randn_like(t))
    return model


# ---- parity with the official implementation -----------------------------------------------------
# Made by tests/make_ceit_reference.py from the official ceit_model.py with the same weights: in one process the
# explicit-math path measured 0.0 (bit for bit) and the fused path 1.9e-6 at 224x224 and 160x160.
@pytest.mark.parametrize('fused_attn', [False, True])
@pytest.mark.parametrize('case', sorted(_ref['cases']))
def test_block_outputs_equal_official_implementation(case, fused_attn):
    size = int(case.split('x')[0])
    model = CeiT(arch=_ref['arch'], pretrain_img_size=size, pyramid=None, out_indices=[0, 1, 2],
                 fused_attn=fused_attn).eval()
    model.load_state_dict(weights_from_layout(_ref['layouts'][case]), strict=True)
    with torch.no_grad():
        outs = model(deterministic_input((size, size)))
    refs = _ref['cases'][case]
    # 1e-5 relative to the largest value of each map (5-7): holds on any machine, far below a real difference
    for out, ref in zip(outs, refs, strict=True):
        assert_matches([out], [ref], 1e-5 * float(ref['values'].abs().max()))


# ---- the official checkpoint layouts and sizes ---------------------------------------------------
_POOL = torch.arange(1 << 22, dtype=torch.float32)


def fake_state_dict(keys: dict) -> dict:
    """Tensors of the manifest's names and shapes, each a view of :data:`_POOL` at its own offset (its first and
    last values tell which tensor it is)."""
    out = {}
    for i, (name, shape) in enumerate(keys.items()):
        numel = math.prod(shape)
        offset = (i * 7919) % (len(_POOL) - numel)
        out[name] = (torch.tensor(i) if name.endswith('num_batches_tracked') else
                     _POOL[offset:offset + numel].view(shape))
    return out


def test_manifests_cover_the_published_models():
    assert {(c['ours']['arch'], c['ours']['img_size']) for c in MANIFEST_CASES.values()} == {
        ('tiny', 224), ('small', 224), ('base', 224), ('tiny', 384), ('small', 384)}
    for case in MANIFEST_CASES.values():  # the official models are the published sizes
        assert round(case['params'] / 1e6, 1) == pytest.approx(PUBLISHED_PARAMS[case['ours']['arch']], abs=0.2)


@pytest.mark.parametrize('name', sorted(MANIFEST_CASES))
def test_official_layout_loads_strictly_and_counts_the_official_backbone(name):
    case = MANIFEST_CASES[name]
    model = CeiT(arch=case['ours']['arch'], pretrain_img_size=case['ours']['img_size'], pyramid=None)
    sd = fake_state_dict(case['keys'])
    kept = model.backbone_state_dict(sd)
    assert {k.split('.')[0] for k in set(model.convert_checkpoint(sd)) - set(kept)} == set(CLASSIFIER_ONLY)
    assert set(kept) == set(model.state_dict())
    model.load_state_dict(sd, strict=True)
    got = model.state_dict()
    for k, v in kept.items():
        ends = [0, -1] if v.dim() else [...]
        assert torch.equal(got[k].flatten()[ends], v.flatten()[ends]), k
    assert torch.equal(model.patch_embed.proj.weight, sd['i2t.proj.weight'])
    # our backbone is the official model without its classifier, parameter for parameter
    head = sum(math.prod(s) for k, s in case['keys'].items() if k.split('.')[0] in CLASSIFIER_ONLY)
    assert sum(p.numel() for p in model.parameters()) == case['params'] - head


def test_a_384_checkpoint_is_resized_into_a_224_model_and_another_arch_is_named():
    case = MANIFEST_CASES['ceit_tiny_patch16_384']
    model = CeiT(arch='tiny', pyramid=None)
    model.load_state_dict(fake_state_dict(case['keys']), strict=True)
    assert model.pos_embed.shape == (1, 1 + 14 * 14, 192)
    with pytest.raises(ValueError, match=r"fits CeiT arch=\['t', 'tiny'\]"):
        CeiT(arch='small', pyramid=None).load_state_dict(fake_state_dict(case['keys']))


# ---- the window adaptation -----------------------------------------------------------------------
def masked_attention_by_hand(block, x, hw, w):
    """A windowed block's attention as global attention with a mask: a patch token sees the class token and its
    own window; the class token sees everything."""
    H, W = hw
    rows, cols = torch.meshgrid(torch.arange(H), torch.arange(W), indexing='ij')
    window = torch.cat([torch.tensor([-1]), ((rows // w) * (W // w) + cols // w).flatten()])
    allowed = (window[:, None] == window[None]) | (window[None] == -1) | (window[:, None] == -1)
    attn, (B, N, C) = block.attn, x.shape
    q, k, v = attn.qkv(x).reshape(B, N, 3, attn.num_heads, -1).permute(2, 0, 3, 1, 4)
    scores = (q @ k.transpose(-2, -1)) * attn.scale
    y = scores.masked_fill(~allowed, float('-inf')).softmax(-1) @ v
    return attn.proj(y.transpose(1, 2).reshape(B, N, C))


@pytest.mark.parametrize('fused_attn', [False, True])
def test_windowed_block_attends_in_windows_with_the_class_token_joined(fused_attn):
    torch.manual_seed(0)
    block = CeiTBlock(16, 2, 2., True, 0., window_size=2, fused_attn=fused_attn).eval()
    x = torch.randn(2, 1 + 4 * 6, 16)
    with torch.no_grad():
        torch.testing.assert_close(block.window_attention(x, (4, 6)), masked_attention_by_hand(block, x, (4, 6), 2),
                                   rtol=1e-5, atol=1e-6)


def test_modes_share_weights_and_a_window_over_the_whole_map_is_global():
    models = {m: build(attn_mode=m, window_size=7) for m in ('global', 'window', 'hybrid')}
    models['explicit'] = build(attn_mode=[7, 0] * 4, window_size=7)
    models['whole'] = build(attn_mode='window', window_size=14)
    state = randomized(models['global']).state_dict()
    x = torch.randn(1, 3, 224, 224)  # a 14x14 map
    outs = {}
    for mode, model in models.items():
        model.load_state_dict(state, strict=True)
        with torch.no_grad():
            outs[mode] = model(x)[2]
    torch.testing.assert_close(outs['whole'], outs['global'], rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(outs['hybrid'], outs['explicit'], rtol=0, atol=0)
    for a, b in [('global', 'window'), ('window', 'hybrid'), ('global', 'hybrid')]:
        assert not torch.allclose(outs[a], outs[b], atol=1e-3), (a, b)


@pytest.mark.parametrize('mode', ['global', 'window', 'hybrid'])
@pytest.mark.parametrize('with_cls_token', [True, False])
def test_detection_sized_non_square_input_in_every_mode(mode, with_cls_token):
    model = build(attn_mode=mode, with_cls_token=with_cls_token)
    with torch.no_grad():
        outs = model(torch.randn(1, 3, 800, 1333))  # padded to 800x1344: a 50x84 map
    assert [tuple(o.shape[2:]) for o in outs] == [(200, 336), (100, 168), (50, 84), (25, 42)]
    assert all(torch.isfinite(o).all() for o in outs)


def test_without_class_token_its_weights_are_dropped_on_load(logged):
    full = randomized(build())
    model = build(with_cls_token=False, attn_mode='window', window_size=7)
    model.load_state_dict(full.state_dict(), strict=True)
    assert not hasattr(model, 'cls_token') and model.pos_embed.shape[1] == 14 * 14
    torch.testing.assert_close(model.pos_embed, full.pos_embed[:, 1:], rtol=0, atol=0)
    assert 'cls_token' in logged()


@pytest.fixture
def logged():
    """The text MMLogger writes during the test."""
    import logging
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    yield lambda: ' '.join(r.getMessage() for r in records)
    logger.removeHandler(handler)


# ---- layer decay, options ------------------------------------------------------------------------
def test_layer_depth_follows_vitdet():
    model = build(arch=dict(TINY, depth=12))
    for name, _ in model.named_parameters(prefix='backbone'):
        # the class token goes with the position embedding (mmpretrain's rule; ViTDet has none)
        expected = 0 if name == 'backbone.cls_token' else reference_vit_layer_id(name, 12)
        assert model.get_layer_depth(name, 'backbone.') == (expected, 13), name


def test_batchnorm_of_stem_and_leff_can_be_syncbn():
    model = CeiT(arch=TINY, norm_cfg=dict(type='SyncBN'))
    assert type(model.patch_embed.bn).__name__ == type(model.blocks[0].leff.bn2).__name__ == 'SyncBatchNorm'


@pytest.mark.parametrize('kwargs,message', [
    (dict(arch='huge'), "Unknown CeiT arch 'huge'; choose one of"),
    (dict(arch=dict(TINY, patch_size=14)), 'multiple of 4'),
    (dict(arch=dict(TINY, leff_kernel=4)), 'must be odd'),
    (dict(arch=dict(TINY, num_heads=3)), 'multiple of num_heads'),
])
def test_bad_options_are_named(kwargs, message):
    with pytest.raises((ValueError, KeyError), match=message):
        CeiT(**kwargs)
