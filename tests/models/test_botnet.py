"""What only BoTNet does: timm's variants equal timm's own code on the same weights (at the training size, and at
another size with the tables resized in both), timm and torchvision / mmdet ResNet-50 state dicts loading, window
attention reusing the tables exactly, parameter counts."""
import pytest
import torch
import torch.nn.functional as F

from backbones import BoTNet
from backbones.layers import resize_decomposed_rel_pos
from backbones.models.botnet import BottleneckAttention

RELEASED = ('botnet26t', 'sebotnet33ts', 'eca_botnext26ts')  # timm's variants with ImageNet weights
# a reduced torchvision-layout arch (BoT50's blocks at toy widths)
TINY_BOT = dict(layout='resnet', depths=[1, 1, 1, 2], channels=[16, 32, 64, 128], attn_blocks=[[], [], [], [0, 1]],
                num_heads=2, pretrain_img_size=128)


def randomized(model):
    """timm zero-initialises the last norm of every residual branch (blocks start as identities): random norms and
    statistics make every layer count."""
    g = torch.Generator().manual_seed(0)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.weight.data = torch.rand(m.num_features, generator=g) * .5 + .5
            m.bias.data = torch.randn(m.num_features, generator=g) * .1
            m.running_mean = torch.randn(m.num_features, generator=g) * .1
            m.running_var = torch.rand(m.num_features, generator=g) + .5
    return model.eval()


def timm_model(name, img_size=256):
    timm = pytest.importorskip('timm')
    torch.manual_seed(0)
    return randomized(timm.create_model(f'{name}_256', img_size=img_size))


def timm_features(model, x):
    with torch.no_grad():
        return model.forward_intermediates(x, indices=[1, 2, 3, 4], intermediates_only=True)


@pytest.mark.parametrize('name', RELEASED)
def test_released_variants_load_timm_state_dict_files_and_equal_timm_at_256(name, tmp_path):
    reference = timm_model(name)
    sd = reference.state_dict()
    path = tmp_path / f'{name}.pth'
    torch.save(sd, path)
    model = BoTNet(name, init_cfg=dict(type='Pretrained', checkpoint=str(path)))
    model.init_weights()
    model.eval()
    expected, got = BoTNet.backbone_state_dict(sd), model.state_dict()
    assert sorted(got) == sorted(expected)  # every backbone key from the file; only the classifier head.* dropped
    assert all(torch.equal(got[k], v) for k, v in expected.items())
    x = torch.randn(1, 3, 256, 256)
    with torch.no_grad():
        outs = model(x)
    for out, ref in zip(outs, timm_features(reference, x)):
        assert out.shape == ref.shape
        torch.testing.assert_close(out, ref, rtol=0, atol=1e-5)


@pytest.mark.parametrize('name,size', [('botnet26t', (192, 320)), ('sebotnet33ts', (288, 224))])
def test_global_mode_equals_timm_built_at_another_size_with_the_tables_resized_alike(name, size):
    reference = timm_model(name)
    sd = reference.state_dict()
    resized = timm_model(name, img_size=size)
    shapes = {k: v.shape for k, v in resized.state_dict().items()}
    resized.load_state_dict({k: resize_decomposed_rel_pos(v, shapes[k][0]) if k.endswith('_rel') else v
                             for k, v in sd.items()})
    model = BoTNet(name).eval()
    model.load_state_dict(sd)
    x = torch.randn(1, 3, *size)
    with torch.no_grad():
        outs = model(x)
    for out, ref in zip(outs, timm_features(resized, x)):
        torch.testing.assert_close(out, ref, rtol=0, atol=1e-5)


def test_window_mode_at_the_training_size_equals_global_exactly():
    sd = timm_model('botnet26t').state_dict()
    plain, windowed = BoTNet('botnet26t').eval(), BoTNet('botnet26t', attn_mode='window').eval()
    assert windowed.window_sizes == [[0, 0], [0, 0], [0, 16], [16, 8]]  # each block's map at 256
    plain.load_state_dict(sd)
    windowed.load_state_dict(sd)
    x = torch.randn(1, 3, 256, 256)
    with torch.no_grad():
        assert all(torch.equal(a, b) for a, b in zip(plain(x), windowed(x)))


def test_windows_reuse_the_tables_exactly_and_mask_the_padding():
    """Each window of a map no window multiple (20x13 in 8x8 windows) equals timm's attention on that window's
    tokens alone, with the table rows of the offsets it has (all of them in a full window)."""
    from timm.layers.bottleneck_attn import BottleneckAttn
    torch.manual_seed(0)
    ours = BottleneckAttention(32, 4, None, table_size=8, window_size=8).eval()
    ours.reset_parameters()
    x = torch.randn(2, 32, 20, 13)
    with torch.no_grad():
        out = ours(x)
    for r0, r1 in ((0, 8), (8, 16), (16, 20)):
        for c0, c1 in ((0, 8), (8, 13)):
            h, w = r1 - r0, c1 - c0
            ref = BottleneckAttn(32, feat_size=(h, w), num_heads=4).eval()
            ref.qkv.weight.data = ours.qkv.weight.data
            ref.pos_embed.height_rel.data = ours.pos_embed.height_rel.data[8 - h:8 + h - 1]
            ref.pos_embed.width_rel.data = ours.pos_embed.width_rel.data[8 - w:8 + w - 1]
            with torch.no_grad():
                torch.testing.assert_close(out[..., r0:r1, c0:c1], ref(x[..., r0:r1, c0:c1]), rtol=0, atol=1e-5)


def test_relative_tables_change_the_output_and_are_resized_on_load():
    model = BoTNet(TINY_BOT).eval()
    x = torch.randn(1, 3, 96, 64)
    with torch.no_grad():
        before = model(x)[-1]
        model.layer4[1].self_attn.pos_embed.width_rel.normal_()  # (a constant shift is the same for every key)
        assert not torch.allclose(model(x)[-1], before)
    # a checkpoint trained at 64 (tables 2 * 2 - 1 rows at stride 32) into a model sized for 128 (7 rows)
    small = BoTNet(TINY_BOT, pretrain_img_size=64)
    sd = small.state_dict()
    model.load_state_dict(sd)
    table = sd['layer4.1.self_attn.pos_embed.height_rel']
    assert table.shape[0] == 3
    expected = F.interpolate(table.T[None], size=7, mode='linear', align_corners=False)[0].T
    assert torch.equal(model.layer4[1].self_attn.pos_embed.height_rel.data, expected)


def resnet50_state_dict(source):
    if source == 'torchvision':
        torchvision = pytest.importorskip('torchvision')
        return torchvision.models.resnet50().state_dict()
    from mmdet.models.backbones import ResNet
    return ResNet(depth=50).state_dict()


@pytest.mark.parametrize('source', ['torchvision', 'mmdet'])
def test_bot50_loads_resnet50_with_only_the_attention_fresh(source, tmp_path):
    torch.manual_seed(0)
    sd = resnet50_state_dict(source)
    path = tmp_path / 'resnet50.pth'
    torch.save(sd, path)
    model = BoTNet('bot50', init_cfg=dict(type='Pretrained', checkpoint=str(path)))
    model.init_weights()
    ours = model.state_dict()
    attention = sorted(k for k in ours if '.self_attn.' in k)
    assert len(attention) == 9 and all(k.startswith('layer4.') for k in attention)
    # every other tensor (bn2 after the attention included) is the ResNet's
    assert all(torch.equal(v, sd[k]) for k, v in ours.items() if k not in attention)
    missing, unexpected = model.load_state_dict(sd, strict=False)
    assert sorted(missing) == attention and unexpected == []  # layer4.*.conv2 and fc reported, dropped


@pytest.mark.parametrize('name', ['botnet26t', 'sebotnet33ts', 'eca_botnext26ts', 'botnet50ts'])
def test_timm_layouts_and_parameter_counts_are_timms(name):
    """timm's state dict without the classifier is ours key for key and shape for shape."""
    timm = pytest.importorskip('timm')
    reference = BoTNet.backbone_state_dict(timm.create_model(f'{name}_256').state_dict())
    ours = BoTNet(name).state_dict()
    assert {k: v.shape for k, v in ours.items()} == {k: v.shape for k, v in reference.items()}


def test_bot50_parameter_count():
    """Against torchvision's ResNet-50 backbone (23,508,032): the attention (qkv 512 -> 1536, two 63 / 127-row tables)
    replaces 3x3 convs of 2,359,296 parameters each."""
    assert sum(p.numel() for p in BoTNet('bot50').parameters()) == 18_854_208


@pytest.mark.parametrize('mode', ['global', 'window', 'hybrid', [[0], [0], [0], [4, 0]]])
@pytest.mark.parametrize('size', [(511, 511), (112, 137), (800, 1333)])
def test_torchvision_layout_at_odd_and_detection_sizes(mode, size):
    model = BoTNet(TINY_BOT, attn_mode=mode, out_indices=(2, 3)).eval()
    with torch.no_grad():
        outs = model(torch.randn(1, 3, *size))
    for out, stride in zip(outs, (16, 32)):
        assert out.shape[2:] == tuple(-(-s // stride) for s in size) and torch.isfinite(out).all()


@pytest.mark.parametrize('mode', ['global', 'window', 'hybrid'])
def test_timm_layout_at_a_detection_size(mode):
    """The conformance suite's tiny timm-layout arch (odd sizes there) at 800x1333: windows of 4 and 2 tokens."""
    from test_conformance import TINY
    model = BoTNet(**TINY['BoTNet'], attn_mode=mode, out_indices=(2, 3)).eval()
    with torch.no_grad():
        outs = model(torch.randn(1, 3, 800, 1333))
    assert [tuple(o.shape[2:]) for o in outs] == [(50, 84), (25, 42)] and all(torch.isfinite(o).all() for o in outs)


def test_every_parameter_of_the_torchvision_layout_gets_a_gradient():
    model = BoTNet(TINY_BOT, attn_mode=[[0], [0], [0], [4, 0]]).train()
    sum((o * torch.randn_like(o)).sum() for o in model(torch.randn(2, 3, 96, 160))).backward()
    assert not [n for n, p in model.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]


def test_window_options_are_checked():
    assert BoTNet('bot50', attn_mode='hybrid').window_sizes[3] == [64, 32, 0]
    assert BoTNet('bot50', attn_mode='window', window_size=16).window_sizes[3] == [16, 16, 16]
    with pytest.raises(ValueError, match=r'only attention blocks .* \[\(3, 0\)\] are convolution blocks'):
        BoTNet(TINY_BOT, attn_mode=[[0], [0], [4], [0, 0]])
    with pytest.raises(ValueError, match='window_size must be a positive int .* or None'):
        BoTNet(TINY_BOT, attn_mode='window', window_size=0)
    with pytest.raises(ValueError, match='pretrain_img_size must be an int >= 32'):
        BoTNet(TINY_BOT, pretrain_img_size=16)
    with pytest.raises(ValueError, match="needs attention blocks; this arch has none .* use attn_mode='global'"):
        BoTNet(dict(TINY_BOT, attn_blocks=[[], [], [], []]), attn_mode='hybrid')


def test_byob_options_on_the_resnet_layout_are_refused():
    with pytest.raises(ValueError, match=r"\['act', 'channel_attn'\] are options of the byob layout"):
        BoTNet(dict(TINY_BOT, act='silu', channel_attn='se'))
