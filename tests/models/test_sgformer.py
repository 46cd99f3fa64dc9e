"""The SG-Former backbone: parity with the official code, zoo sizes, official checkpoint layout, shapes at any
input size, gradients, training options, errors."""
import os.path as osp

import pytest
import torch
from mmengine.logging import MMLogger

from backbones.models import SGFormer
from backbones.models.sgformer import HybridScaleAttention, SelfGuidedAttention
from make_sgformer_reference import REDUCED_ARCH, REFERENCE, ZOO, sgformer_weights, to_official_names
from make_uniformer_reference import assert_matches, deterministic_input

_ref = torch.load(REFERENCE)


def tiny(**kwargs):
    kwargs.setdefault('arch', REDUCED_ARCH)
    model = SGFormer(**kwargs)
    model.load_state_dict(sgformer_weights(model.state_dict()), strict=True)
    return model


# ---- parity with the official implementation -----------------------------------------------------
# Made by tests/make_sgformer_reference.py from the official sgformer.py with the same weights: in one process the
# explicit-math path (the default) measured 0.0 (bit for bit) and the fused path 3.4e-6 at 224x224 and 448x448.
# The self-guided blocks sort tokens by significance, a discontinuous step: on another machine, rounding can swap
# near-tied tokens (float64 here: 0.12 away). So the stored test checks the significance maps (continuous) and the
# outputs given the official token orders, which hold at 1e-4 anywhere; the same-process generator checks the
# orders themselves (bit-exact outputs).
def follow_official_orders(model, guided):
    """Make each self-guided block of ``model`` use the official token orders; return the significance maps it gets."""
    seen = {}
    for g in guided:
        attn = model.get_submodule(g['block']).attn

        def orders(significance, g=g, attn=attn):
            seen[g['block']] = significance
            return tuple(o.long() for o in g['orders'])

        attn.token_orders = orders
    return seen


@pytest.mark.parametrize('fused_attn', [False, True])
@pytest.mark.parametrize('case', sorted(_ref['cases']))
def test_outputs_equal_official_implementation(case, fused_attn):
    h, w = map(int, case.split('x'))
    model = tiny(fused_attn=fused_attn).eval()
    seen = follow_official_orders(model, _ref['guided'][case])
    with torch.no_grad():
        outs = model(deterministic_input((h, w)))
    assert_matches(outs, _ref['cases'][case], 1e-4)
    assert len(seen) == 3
    # significances reach 0.16: another machine's 1e-5 relative rounding is up to 1.6e-6 there; 1e-5 holds anywhere
    # and stays far below the maps' own spread (std 0.007-0.015)
    for g in _ref['guided'][case]:
        assert_matches([seen[g['block']].flatten(1)], [g['significance']], 1e-5)


def test_reference_data_is_small():
    assert osp.getsize(REFERENCE) < 1e6


@pytest.mark.parametrize('name', ZOO)
def test_zoo_arch_matches_official_counts_and_checkpoint_layout(name):
    """Exact parameter counts of the official models without classifier (s 22032981, m 38176316, b 77181293,
    counted from the official code by the generator), and the official ImageNet state dict (names, shapes, the
    classifier included) loads strictly."""
    model = SGFormer(arch=name)
    assert sum(p.numel() for p in model.parameters()) == _ref['param_counts'][name]
    official = {k: torch.zeros(shape) for k, shape in _ref['layouts'][name]}
    assert any(k.startswith('block1.') for k in official) and 'head.weight' in official
    model.load_state_dict(official, strict=True)


def test_official_checkpoint_through_pretrained(tmp_path, caplog):
    model = tiny()
    sd = to_official_names(model.state_dict())
    sd.update({'head.weight': torch.zeros(1000, 128), 'head.bias': torch.zeros(1000)})
    torch.save({'state_dict_ema': sd, 'epoch': 299}, tmp_path / 'ema.pth')
    fresh = SGFormer(arch=REDUCED_ARCH, init_cfg=dict(type='Pretrained', checkpoint=str(tmp_path / 'ema.pth')))
    logger = MMLogger.get_current_instance()
    logger.addHandler(caplog.handler)
    try:
        fresh.init_weights()
    finally:
        logger.removeHandler(caplog.handler)
    for k, v in model.state_dict().items():
        assert torch.equal(fresh.state_dict()[k], v), k
    notes = [r.getMessage() for r in caplog.records]
    assert any('head.weight' in m and 'not used' in m for m in notes)
    assert not any('MISSING' in m or 'UNEXPECTED' in m for m in notes)


def test_checkpoint_conversion_is_pure_and_idempotent():
    sd = {'block1.0.attn.q1.weight': torch.zeros(1), 'block12.x': torch.zeros(1), 'blocks2.0.y': torch.zeros(1)}
    once = SGFormer.convert_checkpoint(sd)
    assert sorted(once) == ['block12.x', 'blocks1.0.attn.q1.weight', 'blocks2.0.y']
    assert SGFormer.convert_checkpoint(once) == once and 'block1.0.attn.q1.weight' in sd


def test_pos_embed_of_another_grid_is_resized_on_load():
    model = tiny()
    sd = model.state_dict()
    sd['pos_embed'] = torch.randn(1, 28 * 28, 16)
    model.load_state_dict(sd, strict=True)
    assert model.pos_embed.shape == (1, 56 * 56, 16)


def test_wrong_arch_checkpoint_names_the_fitting_arch():
    sd = {k: torch.zeros(shape) for k, shape in _ref['layouts']['s']}
    with pytest.raises(ValueError, match=r"SGFormer arch=\['s', 'small'\]"):
        SGFormer(arch=dict(REDUCED_ARCH, embed_dims=[64, 128, 256, 512], num_heads=[2, 4, 8, 16])).load_state_dict(sd)


# ---- any input size --------------------------------------------------------------------------------
@pytest.mark.parametrize('size,attn_mode', [((511, 511), 'global'), ((112, 137), 'global'), ((800, 1333), 'global'),
                                            ((511, 511), 'window'), ((511, 511), 'hybrid')])
def test_pyramid_shapes_any_size(size, attn_mode):
    model = tiny(attn_mode=attn_mode, window_size=14).eval()
    with torch.no_grad():
        outs = model(torch.randn(1, 3, *size))
    dims = REDUCED_ARCH['embed_dims']
    expected = [(dims[i], -(-size[0] // s), -(-size[1] // s)) for i, s in enumerate((4, 8, 16, 32))]
    assert [tuple(o.shape[1:]) for o in outs] == expected
    assert all(torch.isfinite(o).all() and o.is_contiguous() for o in outs)


def test_hybrid_scale_attention_on_a_map_of_no_window_or_reduction_multiple():
    """A 9x10 map (windows of 7, sr 2), against the attention written out by hand: the border windows are clipped
    (no attention to or from outside the map), the last reduced row covers the map's last row, and the significance
    is the mean attention a token receives from the queries of its own window plus the global half's."""
    torch.manual_seed(0)
    attn, (H, W), d = HybridScaleAttention(16, 2, sr_ratio=2), (9, 10), 8  # one head of 8 channels per half
    x = torch.randn(1, H * W, 16)
    with torch.no_grad():
        out, significance = attn.mix(x, (H, W))
        q, (k, v) = attn.q2(x)[0].reshape(H, W, d), attn.kv2(x)[0].reshape(H, W, 2, d).unbind(2)
        local, sig_local = torch.zeros(H, W, d), torch.zeros(H, W)
        for i in range(0, H, 7):
            for j in range(0, W, 7):
                window = (slice(i, i + 7), slice(j, j + 7))
                shape = q[window].shape[:2]
                p = (q[window].reshape(-1, d) @ k[window].reshape(-1, d).T * attn.scale).softmax(-1)
                local[window] = (p @ v[window].reshape(-1, d)).reshape(*shape, d)
                sig_local[window] = p.mean(0).reshape(shape)
        grid = torch.nn.functional.pad(x[0].T.reshape(1, 16, H, W), (0, 0, 0, 1))  # 9 rows -> 10 for sr 2
        reduced = attn.act(attn.norm(attn.sr(grid).flatten(2).transpose(1, 2)))[0]  # 5x5 tokens
        kg, vg = attn.kv1(reduced).reshape(25, 2, d).unbind(1)
        p = (attn.q1(x)[0] @ kg.T * attn.scale).softmax(-1)
        sig_global = p.mean(0).reshape(5, 5).repeat_interleave(2, 0).repeat_interleave(2, 1)[:H, :W]
    torch.testing.assert_close(out[0], torch.cat([p @ vg, local.reshape(-1, d)], -1), atol=1e-6, rtol=0)
    # both sides in this run, in other op orders (batched vs per-window): 2e-8 apart here; without the mask the
    # outputs are 0.4 apart
    torch.testing.assert_close(significance[0], sig_local + sig_global, atol=1e-6, rtol=0)


def test_self_guided_merge_completes_a_part_s_last_group_with_zeros():
    """100 tokens, sr 4: parts of 25 / 50 / 25 tokens in groups of 49 / 14 / 7 give 1 + 4 + 4 keys; a last group
    short of tokens is the learned weighted sum of the tokens it has."""
    torch.manual_seed(0)
    attn = SelfGuidedAttention(16, 2, sr_ratio=4)
    tokens, order = torch.randn(1, 100, 16), torch.randperm(100)[None]
    with torch.no_grad():
        merged = attn.merge(tokens, order)
    in_order = tokens[0, order[0]]
    assert merged.shape == (1, 9, 16)
    torch.testing.assert_close(merged[0, 4], in_order[67:75].T @ attn.f2.weight[0, :8] + attn.f2.bias)  # 8 of 14
    torch.testing.assert_close(merged[0, 0], in_order[:25].T @ attn.f1.weight[0, :25] + attn.f1.bias)  # 25 of 49


# ---- window / hybrid attention ------------------------------------------------------------------------------
def test_window_modes_equal_global_where_one_window_is_the_whole_map():
    """Windows of 14 stage-3 tokens are the 224-pixel tile the weights were trained on: at 224x224 window and hybrid
    attention give the global outputs bit for bit; at 448x448 (2x2 windows) stages 1-2 are the same, 3-4 differ."""
    outs = {}
    for mode in ('global', 'window', 'hybrid'):
        model = tiny(arch=dict(REDUCED_ARCH, depths=[2, 2, 4, 2]), attn_mode=mode).eval()
        with torch.no_grad():
            outs[mode] = [model(deterministic_input(size)) for size in ((224, 224), (448, 448))]
    assert model.window_sizes == [[0, 0], [0, 0], [14, 14, 14, 0], [0, 0]]  # hybrid: block 4 of stage 3 global
    for mode in ('window', 'hybrid'):
        assert all(torch.equal(a, b) for a, b in zip(outs[mode][0], outs['global'][0]))
        at_448 = [torch.equal(a, b) for a, b in zip(outs[mode][1], outs['global'][1])]
        assert at_448 == [True, True, False, False], mode


def test_out_indices_and_feature_info():
    model = tiny(out_indices=(1, -1)).eval()
    with torch.no_grad():
        outs = model(torch.randn(2, 3, 224, 224))
    assert [o.shape for o in outs] == [(2, 32, 28, 28), (2, 128, 7, 7)]
    assert [(f['num_chs'], f['reduction']) for f in model.feature_info] == [(32, 8), (128, 32)]
    # the stage norms are on the path: a model asking for stage 4 only gives the same map
    with torch.no_grad():
        assert torch.equal(tiny(out_indices=3).eval()(torch.zeros(1, 3, 224, 224))[0],
                           tiny().eval()(torch.zeros(1, 3, 224, 224))[3])


def test_init_weights_is_the_official_initialisation():
    model = SGFormer(arch=REDUCED_ARCH)
    model.init_weights()
    assert model.blocks1[0].attn.sr.weight.std().item() == pytest.approx((2 / (64 * 16))**0.5, rel=0.1)
    # token (0, 0): the row half of the channels is sin(0) x 4, cos(0) x 4
    assert torch.equal(model.pos_embed[0, 0, 8:], torch.tensor([0.] * 4 + [1.] * 4))


# ---- training options -----------------------------------------------------------------------------
def test_frozen_stages_and_layer_depth():
    model = tiny(frozen_stages=1)
    frozen = {n for n, p in model.named_parameters() if not p.requires_grad}
    assert 'pos_embed' in frozen and 'patch_embed1.conv.0.c.weight' in frozen and 'norm1.weight' in frozen
    assert 'blocks1.1.attn.f1.weight' in frozen and 'patch_embed2.conv1.c.weight' not in frozen
    assert model.get_layer_depth('backbone.pos_embed', 'backbone.') == (0, 9)
    assert model.get_layer_depth('backbone.blocks2.1.attn.q.weight', 'backbone.') == (4, 9)
    assert model.get_layer_depth('backbone.patch_embed3.conv1.c.weight', 'backbone.') == (5, 9)
    assert model.get_layer_depth('neck.x', 'backbone.') == (9, 9)


def test_registered_and_zoo_names():
    from mmengine.registry import MODELS
    model = MODELS.build(dict(type='SGFormer', arch='m'))
    assert model.arch['depths'] == [2, 6, 28, 2] and SGFormer.resolve_arch('b')['embed_dims'] == [96, 192, 384, 768]


# ---- errors ------------------------------------------------------------------------------------------
@pytest.mark.parametrize('arch,match', [
    (dict(REDUCED_ARCH, sr_ratios=[8, 8, 2, 1]), 'sr_ratios'),
    (dict(REDUCED_ARCH, num_heads=[1, 2, 4, 4]), 'heads'),
    (dict(REDUCED_ARCH, num_heads=[2, 2, 4]), 'num_heads needs 4'),
])
def test_bad_arch_is_refused(arch, match):
    with pytest.raises(ValueError, match=match):
        SGFormer(arch=arch)


def test_a_table_trained_at_another_size_is_interpolated_once(tmp_path):
    """A Pretrained file whose table is 28x28 (a model trained at 112 with the reduced arch): the backbone adopts
    that grid when it is built, so at 112x112 it adds the table as it is, equal to a model built for 112."""
    source = tiny(pretrain_img_size=112)
    torch.save({'state_dict': source.state_dict()}, tmp_path / 'at112.pth')
    model = SGFormer(arch=REDUCED_ARCH, init_cfg=dict(type='Pretrained', checkpoint=str(tmp_path / 'at112.pth')))
    model.init_weights()
    assert model.pos_grid == (28, 28) and torch.equal(model.pos_embed, source.pos_embed)
    x = torch.randn(1, 3, 112, 112)
    with torch.no_grad():
        assert all(torch.equal(a, b) for a, b in zip(model.eval()(x), source.eval()(x)))
    # set by hand, the grid is the user's: the file's table is resized to it on load
    assert SGFormer(arch=REDUCED_ARCH, pretrain_img_size=224, init_cfg=dict(
        type='Pretrained', checkpoint=str(tmp_path / 'at112.pth'))).pos_grid == (56, 56)
