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


@pytest.mark.parametrize('arch,expected', [('xxs', 9.32), ('xs', 15.48)])
def test_parameter_counts(arch, expected):
    # the official detection backbones (same state-dict keys) have 9,317,168 / 15,483,136 parameters
    model = UniFormerLight(arch=arch)
    assert round(sum(p.numel() for p in model.parameters()) / 1e6, 2) == expected


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


def test_gradients_checkpointing_and_frozen_stages():
    model = tiny(with_cp=True, drop_path_rate=0.1)
    model.train()
    sum(o.sum() for o in model(torch.rand(2, 3, 64, 96))).backward()
    assert all(p.grad is not None for p in model.parameters())
    frozen = tiny(frozen_stages=3)
    assert not frozen.cls_token.requires_grad and frozen.cls_upsample.weight.requires_grad
    assert not tiny(frozen_stages=4).cls_upsample.weight.requires_grad


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
