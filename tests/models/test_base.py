"""The base's own rules, beyond the conformance suite (test_conformance.py): the smallest input, out_indices
semantics, attention modes as per-block window sizes, with_cp counts, checkpoint unwrapping and the registry."""
import pytest
import torch

from backbones import FAMILIES, BoTNet, CeiT, CoAtNet, ConViT, SGFormer, UniFormer, UniFormerLight, ViT
from backbones.checkpoint import extract_state_dict
from backbones.models.base import PyramidBackbone

TINY = dict(depths=[1, 1, 4, 1], embed_dims=[16, 32, 64, 128], head_dim=16)
LIGHT = dict(depths=[1, 1, 3, 2], embed_dims=[32, 64, 128, 256], head_dim=32, mlp_ratio=3.,
             prune_ratio=[[1, 0.5, 0.5], [0.5, 0.5]], trade_off=[[1, 0.5, 0.5], [0.5, 0.5]])
FAMILY_TINY = [(UniFormer, TINY), (UniFormerLight, LIGHT)]


def _build(family, arch, **kwargs):
    model = family(arch=arch, **kwargs)
    model.init_weights()
    model.eval()
    return model


def test_every_family_is_a_registered_pyramid_backbone():
    from mmengine.registry import MODELS
    assert FAMILIES == {'UniFormer': UniFormer, 'UniFormerLight': UniFormerLight, 'ViT': ViT, 'SGFormer': SGFormer,
                        'CeiT': CeiT, 'CoAtNet': CoAtNet, 'ConViT': ConViT, 'BoTNet': BoTNet}
    for name, family in FAMILIES.items():
        assert issubclass(family, PyramidBackbone) and MODELS.get(name) is family
    assert not issubclass(UniFormerLight, UniFormer)


# ---- the smallest input ------------------------------------------------------------------------------
@pytest.mark.parametrize('family,arch', FAMILY_TINY)
def test_smallest_input_and_early_outputs(family, arch):
    model = _build(family, arch)
    with torch.no_grad():
        assert [o.shape[-1] for o in model(torch.rand(1, 3, 32, 32))] == [8, 4, 2, 1]
    # only the stride of the last requested output matters
    early = _build(family, arch, out_indices=(0, 1))
    with torch.no_grad():
        assert [tuple(o.shape[-2:]) for o in early(torch.rand(1, 3, 8, 12))] == [(2, 3), (1, 1)]


# ---- out_indices and feature_info --------------------------------------------------------------------
@pytest.mark.parametrize('family,arch', FAMILY_TINY)
@pytest.mark.parametrize('out_indices,stages', [(2, [2]), (-1, [3]), ((1, -1), [1, 3]), ([3, 0, 0], [0, 3])])
def test_out_indices_int_negative_and_unsorted(family, arch, out_indices, stages):
    given = list(out_indices) if isinstance(out_indices, list) else out_indices
    model = _build(family, arch, out_indices=given)
    assert model.out_indices == tuple(stages)
    assert given == out_indices  # the caller's value is not changed
    with torch.no_grad():
        outs = model(torch.rand(1, 3, 96, 64))
    info = model.feature_info
    assert [o.shape[1] for o in outs] == [f['num_chs'] for f in info] == [arch['embed_dims'][s] for s in stages]
    assert [96 // o.shape[2] for o in outs] == [f['reduction'] for f in info] == [4 * 2**s for s in stages]
    assert all(hasattr(model, f['module']) for f in info)


# ---- attention modes as window sizes per block ---------------------------------------------------------
def test_explicit_window_sizes_equal_the_named_mode():
    hybrid = UniFormer.resolve_window_sizes(TINY['depths'], 'hybrid', 4)
    named, listed = (_build(UniFormer, TINY, attn_mode=m, window_size=4) for m in ('hybrid', hybrid))
    listed.load_state_dict(named.state_dict())
    x = torch.rand(1, 3, 160, 96)
    with torch.no_grad():
        for a, b in zip(named(x), listed(x)):
            assert torch.equal(a, b)


def test_a_mix_of_ones_own_windows_stage_four_included():
    mix = [[0], [0], [4, 0, 0, 4], [2]]
    model = _build(UniFormer, TINY, attn_mode=mix)
    assert [b.window_size for b in model.blocks3] == [4, 0, 0, 4] and model.blocks4[0].window_size == 2
    glob = _build(UniFormer, TINY)
    glob.load_state_dict(model.state_dict())
    x = torch.rand(1, 3, 256, 192)
    with torch.no_grad():
        outs, ref = model(x), glob(x)
    assert torch.equal(outs[1], ref[1]) and not torch.allclose(outs[3], ref[3], atol=1e-3)


@pytest.mark.parametrize('family,arch,attn_mode,message', [
    (UniFormer, TINY, [[0], [0], [4, 4, 4]], 'one window size per block'),
    (UniFormer, TINY, [[0], [7], [0, 0, 0, 0], [0]], 'stage 2 of UniFormer cannot attend in windows'),
    (UniFormer, TINY, [[0], [0], [4, -1, 0, 0], [0]], 'window sizes must be ints >= 0'),
    (UniFormerLight, LIGHT, 'hybrid', 'UniFormerLight has global attention only'),
    (UniFormerLight, LIGHT, [[0], [0], [0, 4, 0], [0, 0]], 'stage 3 of UniFormerLight cannot attend in windows'),
])
def test_bad_window_lists_are_named(family, arch, attn_mode, message):
    with pytest.raises(ValueError, match=message):
        family(arch=arch, attn_mode=attn_mode)


@pytest.mark.parametrize('family,arch', FAMILY_TINY)
def test_with_cp_beyond_a_stage_is_an_error(family, arch):
    with pytest.raises(ValueError, match=r'with_cp\[2\] = 9: stage 3 has \d blocks; give 0..\d or True'):
        family(arch=arch, with_cp=[0, 0, 9, 0])


# ---- checkpoints --------------------------------------------------------------------------------------
def test_unwrapping_every_layout_users_hold():
    weights = {'patch_embed1.proj.weight': torch.rand(2)}
    assert extract_state_dict({'state_dict': weights}) == weights
    assert extract_state_dict({'model': weights, 'args': None}) == weights
    assert extract_state_dict({'state_dict_ema': weights}) == weights
    assert extract_state_dict({f'module.{k}': v for k, v in weights.items()}) == weights
    downstream = {'module.backbone.patch_embed1.proj.weight': weights['patch_embed1.proj.weight'],
                  'module.neck.conv.weight': torch.rand(1)}
    assert extract_state_dict({'state_dict': downstream}) == weights
    assert extract_state_dict({'state_dict': downstream}, prefix='neck') == {'conv.weight': downstream[
        'module.neck.conv.weight']}
    with pytest.raises(ValueError, match="no weights under prefix 'head.'"):
        extract_state_dict({'state_dict': downstream}, prefix='head.')


def test_a_partial_checkpoint_is_reported_not_a_key_error(tmp_path):
    source = _build(UniFormer, TINY)
    partial = {k: v for k, v in source.state_dict().items() if not k.startswith('blocks4.')}
    with pytest.raises(RuntimeError, match='Missing key.*blocks4.0'):
        _build(UniFormer, TINY).load_state_dict(partial, strict=True)
