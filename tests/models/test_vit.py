"""The ViT family: parity with timm's ViT / DeiT (global) and SAM-ViT (ViTDet hybrid with relative position) and
with pycls' ViT_C stem, the simple pyramid, attention modes from one set of weights, checkpoints users hold, and
the options' errors."""
import logging
import os.path as osp
from functools import partial

import pytest
import torch
from mmengine.logging import MMLogger

from backbones import SimplePyramidNeck, ViT
from backbones.layers import resize_pos_embed

timm = pytest.importorskip('timm')  # a pinned test dependency (requirements/pins.txt)
from timm.models.deit import VisionTransformerDistilled  # noqa: E402
from timm.models.vision_transformer import VisionTransformer  # noqa: E402
from timm.models.vision_transformer_sam import VisionTransformerSAM  # noqa: E402

TINY = dict(embed_dims=48, depth=4, num_heads=3)
STEM_REFERENCE = osp.join(osp.dirname(osp.dirname(__file__)), 'data', 'vitc_stem_reference.pt')


def randomized(model, std=0.2):
    """Weights far from any initialisation (so a skipped term shows), in eval mode."""
    torch.manual_seed(0)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0, std)
    return model.eval()


def build(arch=TINY, **kwargs):
    model = ViT(arch=arch, **kwargs)
    model.init_weights()
    return model.eval()


@pytest.fixture
def logged(caplog):
    """Messages the current MMLogger writes, by level."""
    logger = MMLogger.get_current_instance()
    logger.addHandler(caplog.handler)
    caplog.set_level(logging.INFO)
    yield lambda level: [r.getMessage() for r in caplog.records if r.levelname == level]
    logger.removeHandler(caplog.handler)


# ---- parity with the references ------------------------------------------------------------------
@pytest.mark.parametrize('distilled', [False, True])
def test_global_mode_equals_timm_vit(distilled):
    """Block outputs equal timm's ViT / distilled DeiT with dynamic_img_size at 224, at a non-square size and at a
    size that needs padding to the patch multiple."""
    family = VisionTransformerDistilled if distilled else VisionTransformer
    ref = randomized(family(img_size=224, patch_size=16, embed_dim=48, depth=4, num_heads=3, dynamic_img_size=True,
                            dynamic_img_pad=True))
    ours = build(with_cls_token=True, with_dist_token=distilled, antialias_pos_embed=True, pyramid=None,
                 out_indices=(0, 1, 2, 3))
    assert ours.load_state_dict(ref.state_dict(), strict=False).missing_keys == []
    for hw in [(224, 224), (192, 288), (200, 300)]:
        x = torch.randn(2, 3, *hw)
        with torch.no_grad():
            expected = ref.forward_intermediates(x, indices=4, norm=False, intermediates_only=True)
            got = ours(x)
        for e, g in zip(expected, got):
            torch.testing.assert_close(g, e, rtol=1e-5, atol=1e-5)


def test_final_norm_equals_timm_forward_features():
    ref = randomized(VisionTransformer(img_size=224, patch_size=16, embed_dim=48, depth=4, num_heads=3,
                                       dynamic_img_size=True))
    ours = build(with_cls_token=True, antialias_pos_embed=True, pyramid=None, final_norm=True)
    ours.load_state_dict(ref.state_dict())
    x = torch.randn(1, 3, 224, 224)
    with torch.no_grad():
        expected = ref.forward_features(x)[:, 1:].transpose(1, 2).reshape(1, 48, 14, 14)
        torch.testing.assert_close(ours(x)[0], expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize('hw', [(160, 160), (176, 208)])
def test_hybrid_rel_pos_equals_timm_sam_vit(hw):
    """ViTDet's design: windows (4 tokens here, over a 10x10 / 11x13 map: padded), global blocks 1, 3, 5, 7 of
    8, decomposed relative position (nonzero here, resized for the global blocks at 176x208)."""
    ref = randomized(VisionTransformerSAM(img_size=160, patch_size=16, embed_dim=48, depth=8, num_heads=3,
                                          window_size=4, global_attn_indexes=(1, 3, 5, 7), use_rel_pos=True,
                                          neck_chans=0, norm_layer=partial(torch.nn.LayerNorm, eps=1e-6)))
    ours = build(dict(TINY, depth=8), pretrain_img_size=160, attn_mode='hybrid', window_size=4, rel_pos=True,
                 antialias_pos_embed=True, pyramid=None, out_indices=range(8))
    assert ours.window_sizes == [4, 0, 4, 0, 4, 0, 4, 0]
    state = {k: v for k, v in ref.state_dict().items() if not k.startswith('neck.')}
    state['pos_embed'] = state['pos_embed'].flatten(1, 2)  # SAM stores it as (1, H, W, C)
    ours.load_state_dict(state)
    x = torch.randn(2, 3, *hw)
    with torch.no_grad():
        expected = ref.forward_intermediates(x, indices=8, norm=False, intermediates_only=True)
        got = ours(x)
    for e, g in zip(expected, got):
        torch.testing.assert_close(g, e, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize('mode', ['eval', 'train'])
def test_conv_stem_equals_pycls_vitc_stem(mode):
    """pycls' ViTStemConv outputs stored by tests/make_vit_reference.py; same weights (renamed), same inputs."""
    ref = torch.load(STEM_REFERENCE, weights_only=True)
    stem = ref['stem']
    model = ViT(arch=dict(embed_dims=stem['embed_dims'], depth=1, num_heads=1, stem_channels=stem['channels'],
                          stem_strides=stem['strides']))
    n = len(stem['channels'])
    renamed = {}
    for k, v in ref['weights'].items():
        layer, rest = k.split('_', 1)[0], k.split('_', 1)[1]
        if layer == 'cstem':  # cstem_last_conv
            renamed['proj.' + rest.split('.', 1)[1]] = v
        else:
            renamed[f'stem.{int(layer[5:])}.{rest.replace("af", "act")}'] = v
    assert len(renamed) == len(ref['weights']) and n == 4
    model.patch_embed.load_state_dict(renamed)
    model.patch_embed.train(mode == 'train')
    for x, expected in zip(ref['inputs'], ref['outputs'][mode]):
        with torch.no_grad():
            torch.testing.assert_close(model.patch_embed(x), expected, rtol=1e-5, atol=1e-5)


# ---- modes and the pyramid -------------------------------------------------------------------------
@pytest.mark.parametrize('depth,global_blocks', [(12, [2, 5, 8, 11]), (24, [5, 11, 17, 23]),
                                                 (32, [7, 15, 23, 31])])
def test_hybrid_has_vitdet_global_blocks(depth, global_blocks):
    sizes = ViT.resolve_window_sizes([depth], 'hybrid', 14)[0]
    assert [j for j, w in enumerate(sizes) if w == 0] == global_blocks
    assert set(sizes) == {0, 14}


def test_modes_share_weights_and_a_window_over_the_whole_map_is_global():
    arch = dict(TINY, depth=8)  # hybrid: blocks 1, 3, 5, 7 global
    models = {m: build(arch, attn_mode=m, window_size=7) for m in ('global', 'window', 'hybrid')}
    models['explicit'] = build(arch, attn_mode=[0, 7] * 4, window_size=7)
    models['whole'] = build(arch, attn_mode='window', window_size=14)
    state = randomized(models['global']).state_dict()
    x = torch.randn(1, 3, 224, 224)  # a 14x14 map
    outs = {}
    for mode, model in models.items():
        model.load_state_dict(state, strict=True)
        with torch.no_grad():
            outs[mode] = model(x)[2]
    torch.testing.assert_close(outs['whole'], outs['global'], rtol=1e-5, atol=1e-4)
    for a, b in [('global', 'window'), ('window', 'hybrid'), ('global', 'hybrid'), ('hybrid', 'explicit')]:
        assert not torch.allclose(outs[a], outs[b], atol=1e-3), (a, b)


def test_simple_pyramid_strides_channels_and_padding():
    model = build()
    assert [(f['num_chs'], f['reduction']) for f in model.feature_info] == [(12, 4), (24, 8), (48, 16), (48, 32)]
    with torch.no_grad():
        outs = model(torch.rand(1, 3, 100, 130))  # padded to 112x144: a 7x9 map
    assert [tuple(o.shape[1:]) for o in outs] == [(12, 28, 36), (24, 14, 18), (48, 7, 9), (48, 3, 4)]


def test_block_maps_without_pyramid():
    model = build(pyramid=None, out_indices=(1, -1))
    assert model.out_indices == (1, 3) and [f['reduction'] for f in model.feature_info] == [16, 16]
    with torch.no_grad():
        outs = model(torch.rand(2, 3, 64, 80))
    assert [tuple(o.shape) for o in outs] == [(2, 48, 4, 5)] * 2


def test_neck_adds_a_max_pooled_level():
    neck = SimplePyramidNeck([12, 24, 48, 48], out_channels=32, num_outs=5)
    neck.init_weights()
    with torch.no_grad():
        outs = neck(build()(torch.rand(1, 3, 128, 128)))
    assert [tuple(o.shape[1:]) for o in outs] == [(32, 32, 32), (32, 16, 16), (32, 8, 8), (32, 4, 4), (32, 2, 2)]
    torch.testing.assert_close(outs[4], outs[3][..., ::2, ::2])


# ---- checkpoints -------------------------------------------------------------------------------------
def test_timm_deit_small_file_loads_with_a_report(tmp_path, logged):
    """The whole timm DeiT-S state dict loads; only what the pyramid adds is new; the head is named as unused."""
    deit = timm.create_model('deit_small_patch16_224', pretrained=False)
    path = str(tmp_path / 'deit_small.pth')
    torch.save(deit.state_dict(), path)
    model = ViT('deit-small', init_cfg=dict(type='Pretrained', checkpoint=path))
    model.init_weights()
    assert logged('WARNING') == []
    info = ' '.join(logged('INFO'))
    assert 'keys that ImageNet classifiers do not have' in info and 'simple_pyramid.0.0.weight' in info
    assert "'head.weight'" in info and "'cls_token'" in info and "'norm.weight'" in info
    torch.testing.assert_close(model.blocks[11].mlp.fc2.weight, deit.blocks[11].mlp.fc2.weight)
    torch.testing.assert_close(model.pos_embed, deit.pos_embed[:, 1:])  # the class position dropped


def test_mae_and_mmpretrain_layouts_load_the_same_weights(tmp_path):
    ref = randomized(VisionTransformer(img_size=224, patch_size=16, embed_dim=48, depth=2, num_heads=3))
    state = ref.state_dict()
    mm = {'backbone.' + k.replace('patch_embed.proj', 'patch_embed.projection').replace('blocks.', 'layers.')
          .replace('norm1', 'ln1').replace('norm2', 'ln2').replace('mlp.fc1', 'ffn.layers.0.0')
          .replace('mlp.fc2', 'ffn.layers.1'): v for k, v in state.items() if not k.startswith(('head', 'norm'))}
    torch.save({'model': state}, tmp_path / 'mae.pth')
    torch.save({'state_dict': mm, 'meta': {}}, tmp_path / 'mmpretrain.pth')
    loaded = []
    for name in ('mae.pth', 'mmpretrain.pth'):
        model = ViT(dict(TINY, depth=2), with_cls_token=True, pyramid=None,
                    init_cfg=dict(type='Pretrained', checkpoint=str(tmp_path / name)))
        model.init_weights()
        loaded.append(model.state_dict())
    assert loaded[0].keys() == loaded[1].keys()
    for k in loaded[0]:
        torch.testing.assert_close(loaded[0][k], loaded[1][k], msg=k)
        torch.testing.assert_close(loaded[0][k], state[k], msg=k)


def test_position_embedding_of_another_grid_is_resized_on_load():
    big = randomized(VisionTransformer(img_size=384, patch_size=16, embed_dim=48, depth=1, num_heads=3))
    model = build(dict(TINY, depth=1), with_cls_token=True, pyramid=None)
    model.load_state_dict(big.state_dict(), strict=False)
    expected = resize_pos_embed(big.pos_embed, (24, 24), (14, 14), num_prefix_tokens=1)
    torch.testing.assert_close(model.pos_embed, expected)


def test_a_pretrained_grid_is_adopted_when_built_so_it_is_interpolated_once(tmp_path):
    """A DeiT file trained at 384 (24x24 grid) as Pretrained: the model keeps its table, and at 384 adds it as it is
    (as timm does with that file); resized to 14x14 and back, it would not be the same."""
    big = randomized(VisionTransformer(img_size=384, patch_size=16, embed_dim=48, depth=1, num_heads=3))
    torch.save({'model': big.state_dict()}, tmp_path / 'deit384.pth')
    model = ViT(arch=dict(TINY, depth=1), with_cls_token=True, pyramid=None,
                init_cfg=dict(type='Pretrained', checkpoint=str(tmp_path / 'deit384.pth')))
    model.init_weights()
    assert model.pos_grid == (24, 24) and torch.equal(model.pos_embed, big.pos_embed)
    twice = resize_pos_embed(resize_pos_embed(big.pos_embed, (24, 24), (14, 14), 1), (14, 14), (24, 24), 1)
    assert not torch.allclose(twice, big.pos_embed, atol=1e-2)


def test_relative_tables_follow_the_mode_on_load():
    """A hybrid checkpoint (window tables 2*7-1 rows, global 2*14-1) evaluated in global mode: tables resized."""
    arch = dict(TINY, depth=8)  # hybrid: block 0 windowed
    hybrid = randomized(build(arch, attn_mode='hybrid', window_size=7, rel_pos=True, img_size=224), std=0.05)
    glob = build(arch, attn_mode='global', rel_pos=True, img_size=224)
    glob.load_state_dict(hybrid.state_dict())
    assert glob.blocks[0].attn.rel_pos_h.shape[0] == 27 and hybrid.blocks[0].attn.rel_pos_h.shape[0] == 13
    x = torch.rand(1, 3, 224, 224)
    with torch.no_grad():
        assert not torch.allclose(glob(x)[2], hybrid(x)[2], atol=1e-3)


def test_checkpoint_of_another_arch_is_named():
    with pytest.raises(ValueError, match=r"does not fit ViT .*ViT arch=\['deit-tiny'\]"):
        build('deit-small').load_state_dict(ViT('deit-tiny').state_dict())


# ---- training behaviour ----------------------------------------------------------------------------
def test_layer_depth_follows_vitdet():
    model = build()  # 4 blocks: ids 0 (stem) .. 4, then 5 for everything after the blocks
    assert model.get_layer_depth('backbone.patch_embed.proj.weight', 'backbone.') == (0, 5)
    assert model.get_layer_depth('backbone.pos_embed', 'backbone.') == (0, 5)
    assert model.get_layer_depth('backbone.blocks.2.attn.qkv.weight', 'backbone.') == (3, 5)
    assert model.get_layer_depth('backbone.simple_pyramid.0.0.weight', 'backbone.') == (5, 5)
    assert model.get_layer_depth('neck.lateral_convs.0.conv.weight', 'backbone.') == (5, 5)


def test_frozen_stages_freeze_stem_and_leading_blocks():
    model = build(frozen_stages=2, with_cls_token=True, pyramid=None)
    model.train()
    frozen = {n for n, p in model.named_parameters() if not p.requires_grad}
    assert {'pos_embed', 'cls_token', 'patch_embed.proj.weight', 'blocks.1.mlp.fc2.bias'} <= frozen
    assert not any(n.startswith(('blocks.2', 'blocks.3')) for n in frozen)
    with pytest.raises(ValueError, match=r'frozen_stages must be in -1..4 .*blocks 1..k'):
        build(frozen_stages=5)


# ---- errors --------------------------------------------------------------------------------------------
@pytest.mark.parametrize('kwargs,message', [
    (dict(arch='vit-gigantic'), r"Unknown ViT arch 'vit-gigantic'; choose one of \[.*'deit-small'"),
    (dict(attn_mode='window', with_cls_token=True), 'window attention cannot take the class token'),
    (dict(rel_pos=True, with_cls_token=True), 'rel_pos=True needs with_cls_token=False'),
    (dict(with_dist_token=True), 'with_dist_token needs with_cls_token=True'),
    (dict(stem='conv'), "stem='conv' needs an arch with stem_channels"),
    (dict(out_indices=(2, 3)), 'the pyramid is built from one block'),
    (dict(pyramid=(4, 3)), r'pyramid scales must be among \(4, 2, 1, 0.5\)'),
    (dict(arch='vit-huge'), 'pyramid scale 4 at patch 14 gives stride 3.5'),
    (dict(out_indices=4), r'out_indices must be a non-empty subset of 0..3 \(blocks\)'),
    (dict(arch=dict(TINY, stem_channels=[8, 16], stem_strides=[2, 2])), r'multiply to 4, not the patch size 16'),
])
def test_bad_options_are_named(kwargs, message):
    kwargs = {'arch': TINY, **kwargs}
    with pytest.raises(ValueError, match=message):
        ViT(**kwargs)


def test_too_small_input_is_named():
    with pytest.raises(ValueError, match=r'input 20x64 is smaller than .* \(32\)'):
        build()(torch.rand(1, 3, 20, 64))
