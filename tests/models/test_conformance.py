"""The contract every registered family keeps, checked once for all of them (docs/adding-a-family.md).

A family joins by registering (``@register_backbone``) and declaring its tiny arch in :data:`TINY` below: shapes and
finite values at odd sizes in every attention mode it has, ``feature_info`` against the outputs, the options' errors,
freezing and ``norm_eval``, gradients, ``with_cp``, checkpoint conversion and round trips, layer ids, and a file
that is no checkpoint. Family files test what only that family does.
"""
import copy

import pytest
import torch
from torch.nn.modules.batchnorm import _BatchNorm

from backbones import FAMILIES
from backbones.models.base import ATTN_MODES, is_member

# each family's tiny arch and the options that make it exercise every block kind (BatchNorm where it has one)
TINY = {
    'UniFormer': dict(arch=dict(depths=[1, 1, 2, 1], embed_dims=[16, 32, 64, 128], head_dim=16), window_size=4),
    'UniFormerLight': dict(arch=dict(depths=[1, 1, 3, 2], embed_dims=[32, 64, 128, 256], head_dim=32, mlp_ratio=3.,
                                     prune_ratio=[[1, 0.5, 0.5], [0.5, 0.5]], trade_off=[[1, 0.5, 0.5], [0.5, 0.5]])),
    'ViT': dict(arch=dict(embed_dims=48, depth=4, num_heads=3, stem_channels=[8, 8, 16, 16], stem_strides=[2, 2, 2, 2]),
                window_size=4, rel_pos=True),
    'SGFormer': dict(arch=dict(depths=[1, 2, 2, 1], embed_dims=[16, 32, 64, 128], num_heads=[2, 2, 4, 8]),
                     window_size=4),
    # depth 8: 'hybrid' keeps blocks 1, 3, 5, 7 global and windows the others (the class token joined to each window)
    'CeiT': dict(arch=dict(embed_dims=16, depth=8, num_heads=2, mlp_ratio=2., stem_channels=8), window_size=4),
    # window_size None: each attention stage's map at pretrain_img_size (4 and 2)
    'CoAtNet': dict(arch=dict(depths=[1, 1, 2, 2], embed_dims=[8, 16, 16, 32], stem_width=(8, 8), dim_head=8),
                    pretrain_img_size=64),
    # 3 GPSA blocks and 1 MHSA block; no class token, so that every mode can window every block
    'ConViT': dict(arch=dict(embed_dims=48, depth=4, num_heads=4, local_up_to_layer=3), window_size=4,
                   with_cls_token=False),
    # timm's layout: SE, a strided attention block, final_conv; windows of each block's pretraining map (4 and 2)
    'BoTNet': dict(arch=dict(layout='byob', depths=[1, 1, 2, 2], channels=[16, 32, 64, 128], stem_channels=[8, 8, 16],
                             attn_blocks=[[], [], [1], [0, 1]], num_heads=2, act='silu', channel_attn='se',
                             final_channels=64, pretrain_img_size=64)),
}
NAMES = sorted(FAMILIES)


def modes(name):
    """The attention modes a family has."""
    return ATTN_MODES if FAMILIES[name].window_stages else ('global', )


def build(name, **kwargs):
    torch.manual_seed(0)
    model = FAMILIES[name](**{**copy.deepcopy(TINY[name]), **kwargs})
    model.init_weights()
    model.eval()
    return model


def all_outputs(name):
    """Options that return every output unit's map (all stages; every block for block-indexed families)."""
    family = FAMILIES[name]
    if family.output_unit == 'block':
        return dict(out_indices=list(range(TINY[name]['arch']['depth'])), pyramid=None)
    return dict(out_indices=list(range(len(family.strides))))


def test_every_family_declares_a_tiny_arch():
    assert sorted(TINY) == NAMES


@pytest.mark.parametrize('name', NAMES)
@pytest.mark.parametrize('size', [(511, 511), (112, 137)])
@pytest.mark.parametrize('mode', ATTN_MODES)
def test_odd_sizes_in_every_mode_match_feature_info(name, size, mode):
    if mode not in modes(name):
        with pytest.raises(ValueError, match='global attention only'):
            build(name, attn_mode=mode)
        return
    model = build(name, attn_mode=mode)
    with torch.no_grad():
        outs = model(torch.randn(2, 3, *size))
    info = model.feature_info
    assert len(outs) == len(info)
    coarsest = max(f['reduction'] for f in info)
    for out, f in zip(outs, info):
        assert out.shape[:2] == (2, f['num_chs'])
        # each side is the input's divided by the stride, rounded down, or up after padding to at most the
        # coarsest stride (a family that pads its input to the patch multiple)
        assert all(-f['reduction'] < o * f['reduction'] - s < coarsest for o, s in zip(out.shape[2:], size)), (
            out.shape, f)
        assert torch.isfinite(out).all()
    assert all(model.get_submodule(f['module']) is not None for f in info)


@pytest.mark.parametrize('name', NAMES)
@pytest.mark.parametrize('out_indices,error', [
    ('13', TypeError), (True, TypeError), ((1.7, ), TypeError), ([], ValueError), (99, ValueError),
    ((0, -99), ValueError)])
def test_bad_out_indices_are_refused(name, out_indices, error):
    kwargs = dict(pyramid=None) if FAMILIES[name].output_unit == 'block' else {}
    with pytest.raises(error, match='out_indices must be'):
        build(name, out_indices=out_indices, **kwargs)


@pytest.mark.parametrize('name', NAMES)
def test_bad_frozen_stages_and_with_cp_are_refused(name):
    model = build(name)
    with pytest.raises(ValueError, match=rf'frozen_stages must be in -1..{model.num_freezable} '):
        build(name, frozen_stages=model.num_freezable + 1)
    for with_cp in ['yes', [1.5] * model.num_stages, [True] * (model.num_stages + 1), [-1] * model.num_stages]:
        with pytest.raises(ValueError, match='with_cp'):
            build(name, with_cp=with_cp)


@pytest.mark.parametrize('name', NAMES)
@pytest.mark.parametrize('x,error,message', [
    (torch.rand(3, 64, 64), ValueError, r'4-D batch .* add the batch dimension, x\[None\]'),
    (torch.randint(0, 255, (1, 3, 64, 64), dtype=torch.uint8), TypeError, 'float tensor, got torch.uint8'),
    (torch.rand(1, 64, 64, 3), ValueError, 'built for 3 input channels, got 64 .* NCHW'),
    (torch.rand(1, 3, 31, 64), ValueError, r'input 31x64 is smaller than .* \(32\): resize or pad'),
    ([[0.]], TypeError, 'takes a tensor'),
])
def test_bad_input_is_named(name, x, error, message):
    with pytest.raises(error, match=message):
        build(name)(x)


@pytest.mark.parametrize('name', NAMES)
def test_frozen_stages_and_norm_eval(name):
    model = build(name, frozen_stages=1, norm_eval=True)
    model.train()
    units = model.freeze_units()
    for n, p in model.named_parameters():
        frozen = is_member(n, units[0] + units[1])
        assert p.requires_grad != frozen, n
    for n, m in model.named_modules():
        if any(is_member(n, [u]) for u in units[0] + units[1]):
            assert not m.training, n
        if isinstance(m, _BatchNorm):
            assert not m.training, n
    assert any(p.requires_grad for p in model.parameters())
    # a training forward leaves the running statistics as they were, where without norm_eval it changes them
    stats = {n: b.clone() for n, b in model.named_buffers() if 'running_' in n}
    model(torch.randn(2, 3, 64, 96))
    assert all(torch.equal(b, stats[n]) for n, b in model.named_buffers() if n in stats)
    if stats:
        plain = build(name).train()
        plain(torch.randn(2, 3, 64, 96))
        assert not all(torch.equal(b, stats[n]) for n, b in plain.named_buffers() if n in stats)
    # nothing is left out of the units: every parameter is frozen by frozen_stages=num_freezable
    whole = build(name, frozen_stages=model.num_freezable, **all_outputs(name))
    assert not [n for n, p in whole.named_parameters() if p.requires_grad and not n.startswith('simple_pyramid.')]


def _train_step(model, x):
    torch.manual_seed(1)
    outs = model(x)
    loss = sum((o * torch.randn_like(o)).sum() for o in outs)
    loss.backward()
    return [o.detach() for o in outs], {n: p.grad for n, p in model.named_parameters()}


@pytest.mark.parametrize('name', NAMES)
def test_every_parameter_gets_a_gradient_and_with_cp_changes_nothing(name):
    x = torch.randn(2, 3, 96, 128)
    plain = build(name, **all_outputs(name)).train()
    checkpointed = build(name, with_cp=True, **all_outputs(name)).train()
    checkpointed.load_state_dict(plain.state_dict())
    outs, grads = _train_step(plain, x)
    assert not [n for n, g in grads.items() if g is None or not g.abs().sum() > 0]
    cp_outs, cp_grads = _train_step(checkpointed, x)
    assert all(torch.equal(a, b) for a, b in zip(outs, cp_outs))
    assert all(torch.equal(grads[n], cp_grads[n]) for n in grads)
    # the checkpointed recomputation counts a batch once in BatchNorm statistics
    assert all(torch.equal(a, b) for a, b in zip(plain.buffers(), checkpointed.buffers()))


@pytest.mark.parametrize('name', NAMES)
def test_converter_is_idempotent_and_own_state_dict_round_trips(name):
    family = FAMILIES[name]
    model = build(name)
    sd = model.state_dict()
    once = family.convert_checkpoint(sd)
    assert family.convert_checkpoint(once).keys() == once.keys() == sd.keys()
    again = build(name)
    with torch.no_grad():
        for p in again.parameters():
            p.zero_()
    again.load_state_dict(sd, strict=True)
    x = torch.randn(1, 3, 64, 96)
    with torch.no_grad():
        assert all(torch.equal(a, b) for a, b in zip(model(x), again(x)))
    assert family.describe_state_dict(sd) in (None, family.describe_arch(model.arch))


@pytest.mark.parametrize('name', NAMES)
def test_layer_id_covers_every_parameter(name):
    model = build(name, **all_outputs(name))
    ids = {n: model.layer_id(n) for n, _ in model.named_parameters()}
    assert not [n for n, i in ids.items() if i is None or not 0 <= i <= model.num_layers]
    assert all(i == 0 for n, i in ids.items() if is_member(n, model.stem_members))
    first = 0
    for s in model.stages:
        assert {ids[n] for n in ids if n.startswith(s.blocks + '.')} == set(range(first + 1, first + s.depth + 1))
        first += s.depth
    assert model.get_layer_depth('neck.conv.weight', 'backbone.') == (model.num_layers + 1, ) * 2


@pytest.mark.parametrize('name', NAMES)
def test_a_file_that_is_no_checkpoint_is_refused_naming_it(name, tmp_path):
    garbage = tmp_path / 'download.pth'
    garbage.write_bytes(bytes(range(200)) * 4)
    with pytest.raises(ValueError, match='download.pth is not a readable checkpoint') as info:
        # families that size a position embedding from the Pretrained file read it when they are built
        FAMILIES[name](**copy.deepcopy(TINY[name]), init_cfg=dict(type='Pretrained', checkpoint=str(garbage))
                       ).init_weights()
    assert 'weights_only' not in str(info.value)
