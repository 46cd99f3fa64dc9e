"""The UniFormer backbone: parity with the official code, shapes, training options, checkpoints, errors."""
import os.path as osp

import pytest
import torch
from mmengine.logging import MMLogger

from backbones import UniFormer
from make_uniformer_reference import assert_matches, REFERENCE, deterministic_input, deterministic_weights

TINY = dict(depths=[1, 1, 4, 1], embed_dims=[16, 32, 64, 128], head_dim=16)
MODES = ('global', 'window', 'hybrid')


def tiny(**kwargs):
    kwargs.setdefault('arch', TINY)
    model = UniFormer(**kwargs)
    model.init_weights()
    return model


# ---- parity with the official implementation -----------------------------------------------------
_ref = torch.load(REFERENCE)


# A stored reference holds on any machine only up to cross-machine rounding: the official op order (math attention,
# official layout) measured 5.6e-6 away from data made on another machine of the same kind (4-6e-6 reported), the
# fused and optimized paths 8e-6. Bit-exactness against the official code is checked where both run in one process:
# tests/make_uniformer_reference.py --official ... --full.
@pytest.mark.parametrize('fused_attn,optimized,tolerance', [(True, True, 1e-4), (False, True, 1e-4),
                                                            (False, False, 5e-5)])
@pytest.mark.parametrize('case', sorted(_ref['cases']))
def test_outputs_equal_official_implementation(case, fused_attn, optimized, tolerance):
    mode, size = case.split('-')
    h, w = map(int, size.split('x'))
    model = UniFormer(arch=_ref['arch'], attn_mode=mode, window_size=_ref['window_size'], fused_attn=fused_attn,
                      optimized=optimized)
    model.load_state_dict(deterministic_weights(model.state_dict()), strict=True)
    model.eval()
    with torch.no_grad():
        outs = model(deterministic_input((h, w)))
    assert_matches(outs, _ref['cases'][case], tolerance)


def test_reference_data_is_small():
    assert osp.getsize(REFERENCE) < 2e6


@pytest.mark.parametrize('arch,expected', [('small', 21_033_280), ('base', 49_264_576)])
def test_parameter_counts_match_official(arch, expected):
    # the official detection backbones' counts (tests/models/test_uniformer_manifests.py counts them from the
    # official layouts); the paper's 22M / 50M include the classifier
    assert sum(p.numel() for p in UniFormer(arch=arch).parameters()) == expected


# ---- shapes and attention modes ------------------------------------------------------------------
@pytest.mark.parametrize('mode', MODES)
@pytest.mark.parametrize('size', [(64, 64), (112, 137), (333, 517), (37, 45)])
def test_pyramid_shapes_any_size(mode, size):
    model = tiny(attn_mode=mode, window_size=7)
    model.eval()
    with torch.no_grad():
        outs = model(torch.rand(1, 3, *size))
    h, w = size[0] // 4, size[1] // 4
    for i, out in enumerate(outs):
        assert out.shape == (1, TINY['embed_dims'][i], h, w)
        h, w = h // 2, w // 2


def test_window_sizes_per_mode():
    depths = [1, 1, 8, 2]
    assert UniFormer.resolve_window_sizes(depths, 'global', 14)[2] == [0] * 8
    assert UniFormer.resolve_window_sizes(depths, 'window', 14)[2] == [14] * 8
    assert UniFormer.resolve_window_sizes(depths, 'hybrid', 14)[2] == [14, 14, 14, 0, 14, 14, 14, 0]
    for mode in MODES:
        assert UniFormer.resolve_window_sizes(depths, mode, 14)[3] == [0, 0]


def test_modes_share_parameters_and_windows_change_results():
    models = {m: tiny(attn_mode=m, window_size=4) for m in MODES}
    sd = models['global'].state_dict()
    x = torch.rand(1, 3, 160, 160)
    outs = {}
    for mode, model in models.items():
        model.load_state_dict(sd, strict=True)
        model.eval()
        with torch.no_grad():
            outs[mode] = model(x)
    assert torch.equal(outs['global'][1], outs['window'][1])  # conv stages untouched
    assert not torch.allclose(outs['global'][2], outs['window'][2])
    assert not torch.allclose(outs['window'][2], outs['hybrid'][2])


def test_window_covering_the_whole_map_equals_global():
    # 224 / 16 = 14 tokens: one 14-window is exactly global attention
    g, w = tiny(attn_mode='global'), tiny(attn_mode='window', window_size=14)
    w.load_state_dict(g.state_dict())
    g.eval()
    w.eval()
    x = torch.rand(1, 3, 224, 224)
    with torch.no_grad():
        assert torch.allclose(g(x)[3], w(x)[3], atol=1e-5)


def _attention_by_hand(attn, tokens):
    """softmax(q k^T * scale) v of ``attn``'s weights over ``tokens`` (B, N, C), then the output projection."""
    B, N, C = tokens.shape
    qkv = (tokens @ attn.qkv.weight.T + attn.qkv.bias).reshape(B, N, 3, attn.num_heads, C // attn.num_heads)
    q, k, v = qkv.permute(2, 0, 3, 1, 4)
    weights = (q @ k.transpose(-2, -1) * attn.scale).softmax(dim=-1)
    return (weights @ v).transpose(1, 2).reshape(B, N, C) @ attn.proj.weight.T + attn.proj.bias


def _attention_block_by_hand(block, x):
    """An AttentionBlock (no LayerScale) on NCHW ``x``, windows cut out one by one: the normalized map is
    zero-padded at the bottom and right to a multiple of the window, the padded tokens take part in the
    attention unmasked (the official behaviour), and their outputs are cropped."""
    assert block.gamma_1 is None
    x = (x + block.pos_embed(x)).permute(0, 2, 3, 1)
    t = block.norm1(x)
    B, H, W, C = t.shape
    w = block.window_size
    if not w:
        y = _attention_by_hand(block.attn, t.reshape(B, H * W, C)).reshape(B, H, W, C)
    else:
        padded = t.new_zeros(B, -(-H // w) * w, -(-W // w) * w, C)
        padded[:, :H, :W] = t
        y = torch.empty_like(padded)
        for i in range(0, padded.shape[1], w):
            for j in range(0, padded.shape[2], w):
                window = padded[:, i:i + w, j:j + w].reshape(B, w * w, C)
                y[:, i:i + w, j:j + w] = _attention_by_hand(block.attn, window).reshape(B, w, w, C)
        y = y[:, :H, :W]
    x = x + y
    x = x + block.mlp(block.norm2(x))
    return x.permute(0, 3, 1, 2)


def _pyramid_by_hand(model, x):
    """The model's pyramid with every attention block replaced by :func:`_attention_block_by_hand`."""
    outs = []
    for i in range(4):
        x = getattr(model, f'patch_embed{i + 1}')(x)
        for block in getattr(model, f'blocks{i + 1}'):
            x = block(x) if i < 2 else _attention_block_by_hand(block, x)
        outs.append(getattr(model, f'norm{i + 1}')(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2))
    return outs


@pytest.mark.parametrize('optimized', [True, False])
@pytest.mark.parametrize('mode,window_size', [('global', 4), ('window', 4), ('hybrid', 4), ('window', 5),
                                              ('hybrid', 13), ('window', 16)])
def test_attention_modes_on_odd_maps_equal_attention_by_hand(mode, window_size, optimized):
    """On an input whose stride-16 map has odd sides (208x336 -> 13x21 tokens), window and hybrid modes give the
    attention computed window by window by hand: windows from the top left, the map zero-padded at the bottom
    and right, padded tokens attended to unmasked, as the official code does (window 16 pads both sides of
    the map into a single window, which is therefore not global attention)."""
    model = tiny(attn_mode=mode, window_size=window_size, optimized=optimized).eval()
    torch.manual_seed(0)
    for name, p in model.named_parameters():
        if name.endswith('bias'):  # non-zero qkv biases: padded tokens get keys and values of their own
            torch.nn.init.normal_(p, std=0.1)
    x = torch.rand(2, 3, 208, 336)
    with torch.no_grad():
        outs, ref = model(x), _pyramid_by_hand(model, x)
    assert [tuple(o.shape[-2:]) for o in outs] == [(52, 84), (26, 42), (13, 21), (6, 10)]
    for out, expected in zip(outs, ref):
        torch.testing.assert_close(out, expected, rtol=0, atol=1e-5)


def test_one_window_over_an_odd_map_is_global_attention_only_without_padding():
    """A 13-token window over a 13x13 stage-3 map (input 208x208) is global attention; a 14-token window over
    it is not (the zero padding is attended to, unmasked, as in the official code)."""
    models = [tiny(attn_mode=mode, window_size=w).eval() for mode, w in [('global', 14), ('window', 13),
                                                                          ('window', 14), ('hybrid', 13)]]
    for model in models[1:]:
        model.load_state_dict(models[0].state_dict())
    x = torch.rand(1, 3, 208, 208)
    with torch.no_grad():
        glob, exact, padded, hybrid = (m(x) for m in models)
    assert glob[2].shape[-2:] == (13, 13)
    for a, b, c in zip(glob[2:], exact[2:], hybrid[2:]):
        torch.testing.assert_close(b, a, rtol=0, atol=1e-5)
        torch.testing.assert_close(c, a, rtol=0, atol=1e-5)
    assert not torch.allclose(padded[2], glob[2], atol=1e-3)


@pytest.mark.parametrize('out_indices', [(0, ), (1, 3), (2, ), (0, 1, 2, 3)])
def test_out_indices(out_indices):
    model = tiny(out_indices=out_indices)
    model.eval()
    outs = model(torch.rand(1, 3, 64, 64))
    assert [o.shape[1] for o in outs] == [TINY['embed_dims'][i] for i in out_indices]


# ---- training options ----------------------------------------------------------------------------
@pytest.mark.parametrize('arch', [dict(TINY, conv_stem=True, layer_scale=1e-6)])  # the plain arch: test_conformance
def test_every_parameter_gets_a_gradient(arch):
    # no drop path: dropping a whole branch for both samples would legitimately leave it without gradient
    model = tiny(arch=arch, attn_mode='hybrid', window_size=4)
    model.train()
    # a fixed random projection of each output: its mean, or mean square, is constant under the output LayerNorm
    # (gradient zero in exact arithmetic, only rounding noise behind it)
    torch.manual_seed(0)
    sum((o * torch.randn_like(o)).sum() for o in model(torch.rand(2, 3, 96, 80))).backward()
    missing = [n for n, p in model.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
    assert not missing


def _outputs_and_grads(model, x):
    outs = model.train()(x)  # train(): frozen stages and norm_eval applied
    sum((o * o).mean() for o in outs).backward()
    return [o.detach() for o in outs], {n: p.grad.clone() for n, p in model.named_parameters() if p.requires_grad}


@pytest.mark.parametrize('common,kwargs', [
    ({}, dict(with_cp=True)),
    ({}, dict(with_cp=[0, 1, 2, 0])),
    ({}, dict(fused_attn=False)),
    ({}, dict(optimized=False)),  # the official op order
    ({}, dict(optimized=False, fused_attn=False)),
    (dict(frozen_stages=1), dict(optimized=False)),  # frozen stage 1 runs in place under grad mode
    (dict(norm_eval=True), dict(optimized=False)),  # BatchNorm folded into the pointwise conv vs applied
])
def test_checkpointing_fused_attention_and_the_optimized_path_change_no_training_step(common, kwargs):
    """Outputs and parameter gradients of a training step (train mode) equal those of the default model."""
    torch.manual_seed(0)
    base = tiny(attn_mode='hybrid', window_size=4, **common)
    for m in base.modules():  # running statistics that make a folded BatchNorm differ from the identity
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.)
    other = tiny(attn_mode='hybrid', window_size=4, **common, **kwargs)
    other.load_state_dict(base.state_dict())
    x = torch.rand(2, 3, 96, 112)
    outs_a, grads_a = _outputs_and_grads(base, x)
    outs_b, grads_b = _outputs_and_grads(other, x)
    for a, b in zip(outs_a, outs_b):
        assert torch.allclose(a, b, atol=1e-5)
    assert grads_a.keys() == grads_b.keys()
    for n in grads_a:
        assert torch.allclose(grads_a[n], grads_b[n], atol=1e-5, rtol=1e-4), n


def test_with_cp_counts_leading_blocks():
    assert tiny(with_cp=[0, True, 2, 1]).cp_blocks == [0, 1, 2, 1]
    assert tiny(with_cp=True).cp_blocks == TINY['depths']
    with pytest.raises(ValueError, match=r'with_cp\[3\] = 9: stage 4 has 1 blocks'):
        tiny(with_cp=[0, True, 2, 9])


# ---- registries ----------------------------------------------------------------------------------
@pytest.mark.parametrize('toolbox', ['mmdet', 'mmseg', 'mmpose'])
def test_every_toolbox_registry_builds_it(toolbox):
    import importlib
    from mmengine.registry import DefaultScope
    registry = importlib.import_module(f'{toolbox}.registry').MODELS
    with DefaultScope.overwrite_default_scope(toolbox):
        model = registry.build(dict(type='UniFormer', arch=TINY, attn_mode='hybrid'))
    assert isinstance(model, UniFormer)


# ---- bad input -----------------------------------------------------------------------------------
@pytest.mark.parametrize('kwargs,message', [
    (dict(arch='tiny'), r"Unknown UniFormer arch 'tiny'; choose one of \['b', 'base', 'base_ls', 's'"),
    (dict(arch=dict(depths=[1, 1, 1, 1])), 'needs the keys'),
    (dict(arch=dict(TINY, head_dim=24)), 'multiples of head_dim 24'),
    (dict(attn_mode='swin'), "Unknown attn_mode 'swin'; choose one of"),
    (dict(attn_mode='window', window_size=0), 'window_size must be a positive int'),
    (dict(window_size=14.0), 'window_size must be a positive int'),
    (dict(out_indices=(4, )), 'out_indices must be a non-empty subset of 0..3'),
    (dict(frozen_stages=5), 'frozen_stages must be in -1..4'),
    (dict(with_cp=[True, False]), 'with_cp must be a bool or 4 entries'),
])
def test_bad_input_gives_clear_error(kwargs, message):
    kwargs.setdefault('arch', TINY)
    with pytest.raises(ValueError, match=message):
        UniFormer(**kwargs)


# ---- checkpoints users hold ----------------------------------------------------------------------
def _official_imagenet_checkpoint(model):
    """What ``uniformer_*_in1k.pth`` looks like: ``model`` key, a head and final norm, no norm1..4."""
    sd = {k: v for k, v in model.state_dict().items() if not k.startswith(('norm1.', 'norm2.', 'norm3.', 'norm4.'))}
    dim = model.feature_info[-1]['num_chs']
    sd.update({'head.weight': torch.rand(1000, dim), 'head.bias': torch.rand(1000), 'norm.weight': torch.rand(dim),
               'norm.bias': torch.rand(dim), 'norm.running_mean': torch.rand(dim), 'norm.running_var': torch.rand(dim)})
    return {'model': sd}


@pytest.mark.parametrize('arch', [TINY, dict(TINY, conv_stem=True), dict(TINY, layer_scale=1e-6)])
def test_official_imagenet_checkpoint_loads_through_init_cfg(tmp_path, arch):
    source = tiny(arch=arch)
    for p in source.parameters():
        torch.nn.init.normal_(p)
    torch.save(_official_imagenet_checkpoint(source), tmp_path / 'in1k.pth')
    model = UniFormer(arch=arch, init_cfg=dict(type='Pretrained', checkpoint=str(tmp_path / 'in1k.pth')))
    model.init_weights()
    got, want = model.state_dict(), source.state_dict()
    for k in want:
        if not k.startswith('norm'):
            assert torch.equal(got[k], want[k]), k


def test_official_downstream_checkpoint_loads(tmp_path):
    source = tiny(attn_mode='hybrid')
    sd = {f'backbone.{k}': v + 1 for k, v in source.state_dict().items()}
    sd['neck.lateral_convs.0.conv.weight'] = torch.rand(4, 4, 1, 1)
    torch.save({'state_dict': sd}, tmp_path / 'mask_rcnn.pth')  # no meta, as released
    model = tiny(init_cfg=dict(type='Pretrained', checkpoint=str(tmp_path / 'mask_rcnn.pth')))
    assert all(torch.equal(v, sd[f'backbone.{k}']) for k, v in model.state_dict().items())
    # and a plain official backbone state dict loads strictly into the matching arch
    tiny().load_state_dict({k[len('backbone.'):]: v for k, v in sd.items() if k.startswith('backbone.')}, strict=True)


def test_checkpoint_of_another_arch_names_the_arch_that_fits():
    base_sd = UniFormer(arch='base').state_dict()
    with pytest.raises(ValueError, match=r"does not fit .* It fits UniFormer arch=\['b', 'base'\]"):
        UniFormer(arch='small').load_state_dict(base_sd)
    wide = UniFormer(arch=dict(TINY, embed_dims=[16, 32, 64, 192])).state_dict()
    with pytest.raises(ValueError, match='No arch of the zoo fits it'):
        tiny().load_state_dict(wide)


def test_unrelated_checkpoint_is_an_error(tmp_path):
    torch.save({'state_dict': {'conv.weight': torch.rand(3)}}, tmp_path / 'other.pth')
    model = UniFormer(arch=TINY, init_cfg=dict(type='Pretrained', checkpoint=str(tmp_path / 'other.pth')))
    with pytest.raises(ValueError, match='Nothing of .* fits this UniFormer'):
        model.init_weights()


@pytest.fixture
def warnings_logged(caplog):
    """The WARNING messages of mmengine's current logger (it does not propagate to pytest's)."""
    logger = MMLogger.get_current_instance()
    logger.addHandler(caplog.handler)
    yield lambda: [r.getMessage() for r in caplog.records if r.levelname == 'WARNING']
    logger.removeHandler(caplog.handler)


def test_missing_keys_are_reported_loudly(tmp_path, warnings_logged):
    sd = tiny().state_dict()
    del sd['blocks3.0.attn.qkv.weight']
    torch.save({'state_dict': sd}, tmp_path / 'partial.pth')
    UniFormer(arch=TINY, init_cfg=dict(type='Pretrained', checkpoint=str(tmp_path / 'partial.pth'))).init_weights()
    assert any('1 keys MISSING' in m and 'blocks3.0.attn.qkv.weight' in m for m in warnings_logged())


def test_recorded_arch_with_other_head_dim_warns(tmp_path, warnings_logged):
    sd = tiny().state_dict()
    torch.save({'state_dict': sd, 'meta': {'uniformer_arch': dict(TINY, head_dim=32)}}, tmp_path / 'c.pth')
    UniFormer(arch=TINY, init_cfg=dict(type='Pretrained', checkpoint=str(tmp_path / 'c.pth'))).init_weights()
    assert any('head_dim' in m for m in warnings_logged())


# ---- layer-wise lr decay -------------------------------------------------------------------------
def test_get_layer_depth():
    model = tiny()  # depths 1, 1, 4, 1 -> 7 blocks, ids 0..8
    depth = model.get_layer_depth
    assert depth('backbone.patch_embed1.proj.weight', 'backbone.') == (0, 8)
    assert depth('backbone.blocks1.0.conv1.weight', 'backbone.') == (1, 8)
    assert depth('backbone.patch_embed3.proj.weight', 'backbone.') == (3, 8)
    assert depth('backbone.blocks3.3.attn.qkv.weight', 'backbone.') == (6, 8)
    assert depth('backbone.norm3.weight', 'backbone.') == (6, 8)
    assert depth('backbone.blocks4.0.mlp.fc1.weight', 'backbone.') == (7, 8)
    assert depth('neck.conv.weight', 'backbone.') == (8, 8)


@pytest.mark.parametrize('scope', ['mmdet', 'mmseg', 'mmpose'])
def test_layer_decay_optimizer_constructor(scope):
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import DefaultScope

    class Detector(torch.nn.Module):

        def __init__(self):
            super().__init__()
            self.backbone = tiny()
            self.neck = torch.nn.Linear(4, 4)

    model = Detector()
    with DefaultScope.overwrite_default_scope(scope):  # resolves to ours in every toolbox's scope
        wrapper = build_optim_wrapper(
            model,
            dict(constructor='LayerDepthDecayOptimWrapperConstructor',
                 optimizer=dict(type='AdamW', lr=1.0, weight_decay=0.05), paramwise_cfg=dict(layer_decay_rate=0.5)))
    lr_of = {id(p): g['lr'] for g in wrapper.optimizer.param_groups for p in g['params']}
    wd_of = {id(p): g['weight_decay'] for g in wrapper.optimizer.param_groups for p in g['params']}
    assert lr_of[id(model.neck.weight)] == 1.0
    assert lr_of[id(model.backbone.patch_embed1.proj.weight)] == 0.5**8
    assert lr_of[id(model.backbone.blocks4[0].mlp.fc1.weight)] == 0.5
    assert wd_of[id(model.backbone.blocks4[0].mlp.fc1.weight)] == 0.05
    assert wd_of[id(model.backbone.blocks4[0].norm1.weight)] == 0.
    assert len(lr_of) == sum(1 for _ in model.parameters())


def test_layer_decay_custom_keys_are_applied_and_unknown_keys_refused():
    from mmengine.optim import build_optim_wrapper

    class Detector(torch.nn.Module):

        def __init__(self):
            super().__init__()
            self.backbone = tiny()

    model = Detector()
    cfg = dict(constructor='LayerDepthDecayOptimWrapperConstructor',
               optimizer=dict(type='AdamW', lr=1.0, weight_decay=0.05),
               paramwise_cfg=dict(layer_decay_rate=0.5, custom_keys={'attn.qkv': dict(decay_mult=0., lr_mult=2.)}))
    wrapper = build_optim_wrapper(model, cfg)
    groups = {id(p): g for g in wrapper.optimizer.param_groups for p in g['params']}
    qkv, fc1 = model.backbone.blocks4[0].attn.qkv.weight, model.backbone.blocks4[0].mlp.fc1.weight
    assert (groups[id(qkv)]['lr'], groups[id(qkv)]['weight_decay']) == (1.0, 0.)
    assert (groups[id(fc1)]['lr'], groups[id(fc1)]['weight_decay']) == (0.5, 0.05)
    for bad, message in [(dict(norm_decay_mult=0.), r"does not apply paramwise_cfg \['norm_decay_mult'\]"),
                         (dict(custom_keys={'norm': dict(decay_multi=0.)}), "custom_keys\\['norm'\\]")]:
        with pytest.raises(ValueError, match=message):
            build_optim_wrapper(model, dict(cfg, paramwise_cfg=bad))


def test_official_detector_checkpoint_loads_with_load_from(tmp_path):
    """``load_from`` (mmengine's load_checkpoint) of a whole released detector: no meta, backbone. prefix."""
    from mmengine.hub import get_config
    from mmengine.registry import DefaultScope
    from mmengine.runner import load_checkpoint
    from mmdet.registry import MODELS
    cfg = get_config('mmdet::mask_rcnn/mask-rcnn_r50_fpn_1x_coco.py')
    cfg.model.backbone = dict(type='UniFormer', arch=TINY, attn_mode='hybrid', window_size=7)
    cfg.model.neck.in_channels = TINY['embed_dims']
    with DefaultScope.overwrite_default_scope('mmdet'):
        source, target = MODELS.build(cfg.model), MODELS.build(cfg.model)
    for p in source.parameters():
        torch.nn.init.normal_(p)
    torch.save({'state_dict': source.state_dict()}, tmp_path / 'released.pth')
    load_checkpoint(target, str(tmp_path / 'released.pth'), strict=True)
    for k, v in source.state_dict().items():
        assert torch.equal(v, target.state_dict()[k]), k


def test_missing_pretrained_file_says_what_to_do(tmp_path):
    model = UniFormer(arch=TINY, init_cfg=dict(type='Pretrained', checkpoint=str(tmp_path / 'none.pth')))
    with pytest.raises(FileNotFoundError, match='init_cfg=None to start from scratch'):
        model.init_weights()
