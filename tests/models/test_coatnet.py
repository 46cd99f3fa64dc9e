"""The CoAtNet family: parity with timm's implementation (its forward_intermediates, at the training size and, in
global mode, at another size after timm's own set_input_size), timm state dicts of every variant loading through
init_cfg, the window adaptation (windows of the pretraining map use the table as trained, global resizes it as
timm), any input size, and the options' errors."""
from dataclasses import replace

import pytest
import torch

from backbones import CoAtNet
from backbones.models.coatnet import RelPosAttention, resize_rel_pos_grid

timm = pytest.importorskip('timm')  # a pinned test dependency (requirements/pins.txt)
from timm.layers import resize_rel_pos_bias_table  # noqa: E402
from timm.models.maxxvit import MaxxVit, model_cfgs  # noqa: E402

RELEASED = ['coatnet_nano_rw', 'coatnet_0_rw', 'coatnet_1_rw', 'coatnet_2_rw', 'coatnet_3_rw', 'coatnet_bn_0_rw',
            'coatnet_rmlp_nano_rw', 'coatnet_rmlp_1_rw', 'coatnet_rmlp_1_rw2', 'coatnet_rmlp_2_rw']
PAPER = ['coatnet_0', 'coatnet_1', 'coatnet_2', 'coatnet_3']
REDUCED = dict(depths=(1, 2, 2, 2), embed_dims=(32, 64, 96, 128), stem_width=(16, 32))  # 32-channel heads
ATTN_MODES = ['global', 'window', 'hybrid']


def randomized(model):
    """timm's model with BatchNorm statistics and relative tables far from their initialisation, in eval mode."""
    torch.manual_seed(0)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.normal_(0, .2)
                m.running_var.uniform_(.5, 1.5)
                m.weight.normal_(1, .2)
                m.bias.normal_(0, .2)
        for name, p in model.named_parameters():
            if 'relative_position_bias_table' in name or name.endswith('gamma'):
                p.normal_(0, 1)
    return model.eval()


def timm_reduced(name, img_size=224):
    """timm's model of variant ``name`` at the reduced depths and widths (its stem and block options kept)."""
    cfg = replace(model_cfgs[name], depths=REDUCED['depths'], embed_dim=REDUCED['embed_dims'],
                  stem_width=REDUCED['stem_width'])
    return randomized(MaxxVit(cfg, img_size=img_size))


def ours_reduced(name, **kwargs):
    return CoAtNet(arch={**CoAtNet.arch_zoo[name], **REDUCED}, **kwargs).eval()


def assert_close_relative(got, expected, tol=1e-5):
    """Equal within ``tol`` of the reference's largest magnitude (the outputs reach tens)."""
    for g, e in zip(got, expected, strict=True):
        assert g.shape == e.shape
        assert (g - e).abs().max() <= tol * e.abs().max(), ((g - e).abs().max(), e.abs().max())


# ---- parity with timm ----------------------------------------------------------------------------------------
@pytest.mark.parametrize('name', RELEASED + PAPER)
def test_equals_timm_at_224_and_in_global_mode_at_another_size(name):
    """Every variant's stem and block options: stage outputs equal timm's forward_intermediates at the training
    size, and in global mode at 160x192 after timm resizes its tables (set_input_size); window mode at the training
    size equals global mode exactly."""
    ref = timm_reduced(name)
    ours = ours_reduced(name)
    assert ours.load_state_dict(ref.state_dict(), strict=False).missing_keys == []
    windowed = ours_reduced(name, attn_mode='window')
    windowed.load_state_dict(ref.state_dict(), strict=False)
    x = torch.randn(2, 3, 224, 224)
    with torch.no_grad():
        got = ours(x)
        assert_close_relative(got, ref.forward_intermediates(x, intermediates_only=True)[1:])
        assert all(torch.equal(a, b) for a, b in zip(got, windowed(x)))
        ref.set_input_size(img_size=(160, 192))
        x = torch.randn(2, 3, 160, 192)
        assert_close_relative(ours(x), ref.forward_intermediates(x, intermediates_only=True)[1:])


def test_full_coatnet_0_rw_equals_timm():
    ref = randomized(timm.create_model('coatnet_0_rw_224', pretrained=False))
    ours = CoAtNet(arch='coatnet_0_rw').eval()
    ours.load_state_dict(ref.state_dict())  # strict: only the classifier is dropped
    x = torch.randn(1, 3, 224, 224)
    with torch.no_grad():
        assert_close_relative(ours(x), ref.forward_intermediates(x, intermediates_only=True)[1:])


@pytest.mark.parametrize('src,dst', [(27, 31), (27, 99), (13, 9), (13, 13)])
def test_table_resize_equals_timms_resize_rel_pos_bias_table(src, dst):
    """timm's geometric interpolation (also on the axis that keeps its length while the other changes)."""
    torch.manual_seed(0)
    table = torch.randn(src * src, 3)
    w_side = 2 * src + 1  # a second axis that changes
    expected = resize_rel_pos_bias_table(table, new_window_size=((dst + 1) // 2, (w_side + 1) // 2),
                                         new_bias_shape=(dst * w_side, 3), old_window_size=((src + 1) // 2, ) * 2)
    got = resize_rel_pos_grid(table.T.reshape(3, src, src), (dst, w_side)).reshape(3, -1).T
    torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-6)


# ---- checkpoints -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize('name', RELEASED + PAPER)
def test_timm_layout_of_every_full_variant_is_ours(name):
    """The full-size models (on the meta device): every key of timm's backbone, converted, is one of ours with
    its shape, and the other way round; the parameter counts are timm's without its classifier."""
    with torch.device('meta'):
        ref = timm.create_model(f'{name}_224', pretrained=False)
        ours = CoAtNet(arch=name)
    timm_sd = CoAtNet.backbone_state_dict(ref.state_dict())
    own = ours.state_dict()
    assert {k: v.shape for k, v in timm_sd.items()} == {k: v.shape for k, v in own.items()}
    count = sum(p.numel() for n, p in ref.named_parameters() if not n.startswith(CoAtNet.classifier_keys))
    assert sum(p.numel() for p in ours.parameters()) == count
    assert CoAtNet.describe_state_dict(timm_sd) == CoAtNet.describe_arch(ours.arch)


@pytest.mark.parametrize('name', RELEASED)
def test_timm_file_loads_through_init_cfg(name, tmp_path):
    """A state dict file saved from timm (reduced) loads as it is through init_cfg Pretrained, every backbone key
    present, and gives timm's features."""
    ref = timm_reduced(name)
    path = tmp_path / f'{name}.pth'
    torch.save(ref.state_dict(), path)
    ours = ours_reduced(name, init_cfg=dict(type='Pretrained', checkpoint=str(path)))
    ours.init_weights()
    ours.eval()
    for key, value in CoAtNet.backbone_state_dict(ref.state_dict()).items():
        assert torch.equal(ours.state_dict()[key], value), key
    x = torch.randn(1, 3, 224, 224)
    with torch.no_grad():
        assert_close_relative(ours(x), ref.forward_intermediates(x, intermediates_only=True)[1:])


def test_tables_of_another_training_size_are_resized_on_load():
    """A 224 checkpoint into a model sized for 320: its tables resized as timm's checkpoint filter does."""
    ref = timm_reduced('coatnet_0_rw')
    ours = ours_reduced('coatnet_0_rw', pretrain_img_size=320)
    ours.load_state_dict(ref.state_dict())
    key = 'stages.2.blocks.0.attn.rel_pos.relative_position_bias_table'
    table = ours.state_dict()['blocks3.0.attn.rel_pos.relative_position_bias_table']
    assert table.shape == (39 * 39, 2)
    expected = resize_rel_pos_bias_table(ref.state_dict()[key], new_window_size=(20, 20), new_bias_shape=(39 * 39, 2))
    torch.testing.assert_close(table, expected, rtol=1e-5, atol=1e-6)


def test_a_checkpoint_of_another_variant_is_refused_naming_the_one_it_fits():
    with torch.device('meta'):
        ours = CoAtNet(arch='coatnet_0_rw')
    state_dict = timm.create_model('coatnet_rmlp_nano_rw_224', pretrained=False).state_dict()
    with pytest.raises(ValueError, match=r"does not fit CoAtNet arch .* fits CoAtNet arch=\['coatnet_rmlp_nano_rw'\]"):
        ours.load_state_dict(state_dict)


# ---- window adaptation and any input size -------------------------------------------------------------------
def test_window_sizes_of_each_mode():
    model = CoAtNet(arch={**CoAtNet.arch_zoo['coatnet_0_rw'], **REDUCED}, attn_mode='hybrid')
    assert model.window_sizes == [[0], [0, 0], [14, 0], [7, 0]]
    assert CoAtNet(arch='coatnet_0_rw', attn_mode='window', window_size=8).window_sizes[2] == [8] * 7
    assert CoAtNet(arch='coatnet_0_rw', attn_mode='window', pretrain_img_size=384).window_sizes[3] == [12, 12]
    explicit = [[0] * 2, [0] * 3, [14, 0, 14, 0, 14, 0, 7], [7, 0]]
    assert CoAtNet(arch='coatnet_0_rw', attn_mode=explicit).window_sizes == explicit


def attention_by_hand(module: RelPosAttention, tile: torch.Tensor, valid: tuple) -> torch.Tensor:
    """A 4x4 tile's attention with the relative position as pretrained (a 4x4 map) and the keys outside its top-left
    ``valid`` rows x columns masked."""
    b = tile.shape[0]
    qkv = module.qkv(tile).flatten(2).transpose(1, 2).reshape(b, 16, module.num_heads, -1).transpose(1, 2)
    q, k, v = qkv.chunk(3, dim=-1)
    keep = torch.zeros(4, 4, dtype=torch.bool)
    keep[:valid[0], :valid[1]] = True
    bias = module.rel_pos((4, 4)).masked_fill(~keep.flatten(), float('-inf'))
    out = ((q @ k.transpose(-2, -1)) * module.scale + bias).softmax(-1) @ v
    return module.proj(out.transpose(1, 2).reshape(b, 4, 4, -1).permute(0, 3, 1, 2))


@pytest.mark.parametrize('rel_pos', ['bias', 'mlp'])
def test_windowed_attention_attends_within_each_window_over_the_map_only(rel_pos):
    """A 9x10 map in 4x4 windows: each window attends with the relative position as pretrained, over the map's
    tokens only (the zero padding to 12x12 masked), and is cropped back."""
    torch.manual_seed(0)
    windowed = RelPosAttention(32, 32, 8, True, rel_pos, 16, (4, 4), 4, 0., True).eval()
    x = torch.randn(2, 32, 9, 10)
    padded = torch.nn.functional.pad(x, (0, 2, 0, 3))
    with torch.no_grad():
        got = windowed(x)
        for i in range(0, 9, 4):
            for j in range(0, 10, 4):
                valid = (min(4, 9 - i), min(4, 10 - j))
                expected = attention_by_hand(windowed, padded[:, :, i:i + 4, j:j + 4], valid)
                torch.testing.assert_close(got[:, :, i:i + 4, j:j + 4], expected[:, :, :valid[0], :valid[1]],
                                           rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize('name', ['coatnet_0_rw', 'coatnet_rmlp_1_rw'])
@pytest.mark.parametrize('mode', ATTN_MODES)
def test_any_size_in_every_mode(name, mode):
    """Shapes (the input's divided by the stride, rounded up) and finite values, with avg- and max-pool
    downsampling."""
    model = CoAtNet(arch={**CoAtNet.arch_zoo[name], 'depths': (1, 1, 2, 2), 'embed_dims': (32, 32, 32, 64),
                          'stem_width': (8, 16)}, attn_mode=mode).eval()
    for size in [(511, 511), (112, 137), (800, 1333)]:
        with torch.no_grad():
            outs = model(torch.randn(1, 3, *size))
        for out, stride in zip(outs, (4, 8, 16, 32)):
            assert out.shape[2:] == tuple(-(-s // stride) for s in size)
            assert torch.isfinite(out).all()


def test_channels_last_path_equals_the_nchw_path():
    """The channels-last maps and matrix-product 1x1 convolutions (the default) give the NCHW path's values."""
    fast = ours_reduced('coatnet_rmlp_1_rw', attn_mode='hybrid')
    plain = ours_reduced('coatnet_rmlp_1_rw', attn_mode='hybrid', channels_last=False)
    plain.load_state_dict(fast.state_dict())
    x = torch.randn(2, 3, 97, 131)
    with torch.no_grad():
        outs = fast(x)
        assert all(o.is_contiguous() for o in outs)
        assert_close_relative(outs, plain(x))


def test_every_parameter_of_the_mlp_variant_gets_a_gradient():
    model = ours_reduced('coatnet_rmlp_nano_rw', attn_mode='hybrid').train()
    sum(o.mean() for o in model(torch.randn(2, 3, 112, 137))).backward()
    assert not [n for n, p in model.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]


# ---- options ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize('kwargs,message', [
    (dict(arch='coatnet_9'), 'Unknown CoAtNet arch'),
    (dict(arch=dict(depths=(1, 1, 1, 1), embed_dims=(8, 8, 8, 8), pool_type='max3')), "pool_type='max3'"),
    (dict(arch=dict(depths=(1, 1, 1, 1), embed_dims=(8, 8, 48, 48))), 'not a multiple of dim_head 32'),
    (dict(pretrain_img_size=16), 'pretrain_img_size must be an int >= 32'),
    (dict(attn_mode='window', window_size=0), 'window_size must be a positive int'),
    (dict(attn_mode=[[0] * 2, [7] * 3, [0] * 7, [0] * 2]), 'stage 2 of CoAtNet cannot attend in windows'),
])
def test_bad_options_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        CoAtNet(**{'arch': 'coatnet_0_rw', **kwargs})
