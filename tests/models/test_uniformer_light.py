"""UniFormer-XXS / XS (UniFormerLight): parity with the official code, token pruning, checkpoints, errors."""
import os.path as osp

import pytest
import torch

from backbones import UniFormer, UniFormerLight
from make_uniformer_reference import assert_matches, LIGHT_REFERENCE, deterministic_weights, light_input

_ref = torch.load(LIGHT_REFERENCE)
TINY = dict(_ref['arch'])


def tiny(**kwargs):
    kwargs.setdefault('arch', TINY)
    model = UniFormerLight(**kwargs)
    model.init_weights()
    return model


@pytest.mark.parametrize('fused_attn', [True, False])
@pytest.mark.parametrize('case', sorted(_ref['cases']))
def test_outputs_equal_official_implementation(case, fused_attn):
    """Training and inference mode (the official code takes different paths), a batch of two images."""
    mode, size = case.split('-')
    h, w = map(int, size.split('x'))
    model = UniFormerLight(arch=_ref['arch'], fused_attn=fused_attn)
    model.load_state_dict(deterministic_weights(model.state_dict()), strict=True)
    model.train(mode == 'train')
    with torch.no_grad():
        outs = model(light_input((h, w)))
    assert_matches(outs, _ref['cases'][case], 1e-4)


def test_reference_data_is_small():
    assert osp.getsize(LIGHT_REFERENCE) < 1e6


@pytest.mark.parametrize('arch,expected', [('xxs', 9_317_168), ('xs', 15_483_136)])
def test_parameter_counts(arch, expected):
    # the official detection backbones' counts (tests/models/test_uniformer_manifests.py counts them from the
    # official layouts)
    assert sum(p.numel() for p in UniFormerLight(arch=arch).parameters()) == expected


def test_each_image_is_pruned_by_its_own_scores():
    model = tiny().eval()
    x = light_input((96, 128))
    with torch.no_grad():
        both = model(x)
        alone = model(x[1:])
    for a, b in zip(both, alone):
        torch.testing.assert_close(a[1:], b, rtol=0, atol=1e-5)


def test_pruning_changes_the_result_and_keeps_shapes():
    unpruned = dict(TINY, prune_ratio=[[1, 1, 1], [1, 1]])
    models = [tiny(), tiny(arch=unpruned)]
    models[1].load_state_dict(models[0].state_dict())
    x = torch.rand(1, 3, 128, 160)
    with torch.no_grad():
        pruned, full = (m.eval()(x) for m in models)
    assert [o.shape for o in pruned] == [o.shape for o in full]
    assert not torch.allclose(pruned[3], full[3])


def test_no_state_shared_between_models():
    """The official code keeps the token scores in module globals; here two models run interleaved at
    different sizes give the same outputs as each alone."""
    a, b = tiny().eval(), UniFormerLight(arch='xxs').eval()
    x, y = torch.rand(1, 3, 96, 96), torch.rand(2, 3, 160, 128)
    with torch.no_grad():
        first = a(x)
        b(y)
        again = a(x)
    for p, q in zip(first, again):
        assert torch.equal(p, q)


def _train_step(model, x):
    """Outputs and parameter gradients of one training forward / backward, the dropout masks drawn from seed 0."""
    torch.manual_seed(0)
    outs = model(x)
    weights = [torch.randn(o.shape, generator=torch.Generator().manual_seed(i)) for i, o in enumerate(outs)]
    sum((o * w).sum() for o, w in zip(outs, weights)).backward()
    return [o.detach() for o in outs], {n: p.grad for n, p in model.named_parameters()}


@pytest.mark.parametrize('with_cp', [True, [0, 1, 2, 1], [1, 0, 0, 2]])
def test_checkpointing_changes_neither_outputs_nor_gradients(with_cp):
    """Gradient checkpointing (``with_cp``) only saves memory: in training mode, with drop path, dropout and
    attention dropout on, outputs and every parameter's gradient are those of the model without it (the
    recomputation replays the same random masks; different ones would change both)."""
    drops = dict(drop_path_rate=0.3, drop_rate=0.2, attn_drop_rate=0.2)
    plain, checkpointed = tiny(**drops), tiny(with_cp=with_cp, **drops)
    checkpointed.load_state_dict(plain.state_dict())
    x = light_input((80, 112))
    outs_a, grads_a = _train_step(plain.train(), x)
    outs_b, grads_b = _train_step(checkpointed.train(), x)
    for a, b in zip(outs_a, outs_b):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-6)
    assert all(g is not None for g in grads_a.values())
    for n, g in grads_a.items():
        torch.testing.assert_close(g, grads_b[n], rtol=0, atol=1e-6, msg=n)
    # the comparison can fail: other random masks give other outputs
    torch.manual_seed(1)
    assert not torch.allclose(plain(x)[3], outs_a[3], atol=1e-3)


def test_frozen_stages_freeze_the_class_token_and_its_upsampling():
    frozen = tiny(frozen_stages=3)
    assert not frozen.cls_token.requires_grad and frozen.cls_upsample.weight.requires_grad
    assert not tiny(frozen_stages=4).cls_upsample.weight.requires_grad


@pytest.mark.parametrize('out_indices,stages', [((1, 3), [1, 3]), (2, [2]), (-1, [3]), ([0, -2], [0, 2])])
def test_out_indices_select_the_same_maps(out_indices, stages):
    """Asking for fewer outputs (a tuple, an int or negative indices, as in mmpretrain) returns exactly those maps
    of the full pyramid: the skipped output norms change nothing, and the stages after the last one are not run."""
    full = tiny().eval()
    some = tiny(out_indices=out_indices).eval()
    some.load_state_dict(full.state_dict())  # the unused output norms are dropped
    x = light_input((96, 128))
    with torch.no_grad():
        everything, selected = full(x), some(x)
    assert len(selected) == len(stages)
    for out, s in zip(selected, stages):
        torch.testing.assert_close(out, everything[s], rtol=0, atol=0)


def test_odd_stage_three_maps():
    """Inputs whose stride-16 map has odd sides (208x336 -> 13x21): the pyramid has the sizes of the strided
    convolutions (conv stem rounding up, 2x2 patch embeddings rounding down) and each image of a batch is
    still pruned by its own scores. There is no window mode to compare with (attention is global); what odd
    sides change is the 2x2 pooling of the token scores for stage 4, checked against its definition in
    test_odd_map_scores_are_pooled_over_the_even_part."""
    model = tiny().eval()
    x = light_input((208, 336))
    with torch.no_grad():
        both, alone = model(x), model(x[1:])
    assert [tuple(o.shape[-2:]) for o in both] == [(52, 84), (26, 42), (13, 21), (6, 10)]
    for a, b in zip(both, alone):
        torch.testing.assert_close(a[1:], b, rtol=0, atol=1e-5)


def test_odd_map_scores_are_pooled_over_the_even_part():
    """The last stage-3 block hands stage 4 its token scores averaged over 2x2 cells, as the official code does
    (``avg_pool2d``): on a 13x21 map the last row and column are left out, matching the 6x10 stage-4 map, and
    the pooled scores are rescaled to the total of all 13x21 scores. The tokens themselves are not touched."""
    model = tiny().eval()
    block = model.blocks3[-1]
    assert block.downsample_scores
    dim = TINY['embed_dims'][2]
    gen = torch.Generator().manual_seed(0)
    cls, x = torch.randn(2, 1, dim, generator=gen), torch.randn(2, dim, 13, 21, generator=gen)
    scores = torch.rand(2, 13 * 21, generator=gen)
    with torch.no_grad():
        cls_a, x_a, pooled = block(cls, x, scores)
        block.downsample_scores = False
        cls_b, x_b, full = block(cls, x, scores)
    assert torch.equal(cls_a, cls_b) and torch.equal(x_a, x_b)
    expected = full.view(2, 13, 21)[:, :12, :20].reshape(2, 6, 2, 10, 2).mean(dim=(2, 4)).flatten(1)
    expected = expected * full.sum(1, keepdim=True) / expected.sum(1, keepdim=True)
    assert pooled.shape == (2, 60)
    torch.testing.assert_close(pooled, expected, rtol=1e-6, atol=1e-7)


def test_layer_depth_of_the_class_token():
    model = tiny()  # depths 1, 1, 3, 2 -> ids 0..8
    assert model.get_layer_depth('backbone.cls_token', 'backbone.') == (3, 8)
    assert model.get_layer_depth('backbone.cls_upsample.weight', 'backbone.') == (6, 8)
    assert model.get_layer_depth('backbone.blocks4.0.attn.qkv.weight', 'backbone.') == (6, 8)


@pytest.mark.parametrize('kwargs,message', [
    (dict(arch='tiny'), r"Unknown UniFormerLight arch 'tiny'; choose one of \['xs', 'xxs'\]"),
    (dict(attn_mode='window'), 'global attention only'),
    (dict(arch=dict(TINY, prune_ratio=[[1, 0.5], [0.5, 0.5]])), 'one value per block of stages 3 and 4'),
    (dict(arch=dict(TINY, prune_ratio=[[0.5, 0.5, 0.5], [0.5, 0.5]])), 'first stage-3 block must have prune_ratio 1'),
])
def test_bad_input_gives_clear_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        UniFormerLight(**kwargs)


def test_official_imagenet_checkpoint_loads(tmp_path):
    """``uniformer_xxs*_in1k.pth`` as released: ``model`` key, two heads, a BatchNorm and a class-token norm."""
    source = tiny()
    for p in source.parameters():
        torch.nn.init.normal_(p)
    sd = {k: v for k, v in source.state_dict().items() if not k.startswith(('norm1.', 'norm2.', 'norm3.', 'norm4.'))}
    dim = TINY['embed_dims'][-1]
    for name in ('head', 'head_cls'):
        sd.update({f'{name}.weight': torch.rand(1000, dim), f'{name}.bias': torch.rand(1000)})
    sd.update({'norm.weight': torch.rand(dim), 'norm.running_mean': torch.rand(dim), 'norm_cls.weight': torch.rand(dim)})
    torch.save({'model': sd}, tmp_path / 'in1k.pth')
    model = tiny(init_cfg=dict(type='Pretrained', checkpoint=str(tmp_path / 'in1k.pth')))
    for k, v in source.state_dict().items():
        if not k.startswith('norm'):
            assert torch.equal(model.state_dict()[k], v), k


def test_checkpoints_of_the_other_family_name_the_arch_that_fits():
    with pytest.raises(ValueError, match=r"It fits UniFormerLight arch=\['xs'\]"):
        UniFormer(arch='small_plus').load_state_dict(UniFormerLight(arch='xs').state_dict())
    with pytest.raises(ValueError, match=r"It fits UniFormer arch=\['small_plus', 'small_plus_dim64'\]"):
        UniFormerLight(arch='xs').load_state_dict(UniFormer(arch='small_plus').state_dict())
