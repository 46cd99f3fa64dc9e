"""Shared layers: window partition, position-embedding and relative-bias resizing, attention paths, BN folding."""
import pytest
import torch
import torch.nn.functional as F

from backbones.layers import (Attention, norm_then_pointwise, resize_decomposed_rel_pos, resize_pos_embed,
                              resize_rel_pos_bias_table, window_partition, window_unpartition)


@pytest.mark.parametrize('hw', [(14, 14), (15, 29), (3, 5)])
def test_window_partition_pads_and_unpartition_restores(hw):
    x = torch.rand(2, *hw, 8)
    windows, padded = window_partition(x, 7)
    assert padded == (-(-hw[0] // 7) * 7, -(-hw[1] // 7) * 7)
    assert windows.shape == (2 * padded[0] * padded[1] // 49, 49, 8)
    # the first window is the top-left 7x7 block, zero where padded
    top_left = F.pad(x, (0, 0, 0, max(0, 7 - hw[1]), 0, max(0, 7 - hw[0])))[0, :7, :7]
    assert torch.equal(windows[0].view(7, 7, 8), top_left)
    assert torch.equal(window_unpartition(windows, 7, padded, hw), x)


def test_pos_embed_resize_keeps_prefix_and_interpolates_the_grid():
    pos = torch.rand(1, 1 + 4 * 6, 8)
    out = resize_pos_embed(pos, (4, 6), (8, 3))
    assert out.shape == (1, 1 + 24, 8) and torch.equal(out[:, :1], pos[:, :1])
    grid = pos[:, 1:].reshape(1, 4, 6, 8).permute(0, 3, 1, 2)
    want = F.interpolate(grid, size=(8, 3), mode='bicubic', align_corners=False).flatten(2).transpose(1, 2)
    torch.testing.assert_close(out[:, 1:], want, rtol=0, atol=0)
    assert resize_pos_embed(pos, (4, 6), (4, 6)) is pos
    # a constant embedding stays constant: interpolation, not a reshuffle
    flat = torch.ones(1, 2 + 9, 4)
    torch.testing.assert_close(resize_pos_embed(flat, (3, 3), (5, 7), num_prefix_tokens=2), torch.ones(1, 37, 4))
    with pytest.raises(ValueError, match='does not hold 1 prefix tokens and a 5x5 grid'):
        resize_pos_embed(pos, (5, 5), (4, 4))


def test_relative_bias_tables_resize():
    table = torch.rand(13 * 13, 3)  # window 7, 3 heads
    out = resize_rel_pos_bias_table(table, 7, 14)
    assert out.shape == (27 * 27, 3)
    assert resize_rel_pos_bias_table(table, 7, 7) is table
    torch.testing.assert_close(resize_rel_pos_bias_table(torch.full((13 * 13, 2), 0.5), 7, 12),
                               torch.full((23 * 23, 2), 0.5))
    with pytest.raises(ValueError, match='window 8 has 225 rows'):
        resize_rel_pos_bias_table(table, 8, 14)
    rel = torch.arange(27.).unsqueeze(1).repeat(1, 4)  # a linear ramp stays a ramp
    out = resize_decomposed_rel_pos(rel, 53)
    assert out.shape == (53, 4) and torch.all(out[1:, 0] > out[:-1, 0])


def test_fused_and_math_attention_agree_with_the_class_row():
    torch.manual_seed(0)
    fused, math = Attention(32, 4), Attention(32, 4, fused_attn=False)
    math.load_state_dict(fused.state_dict())
    x = torch.rand(2, 10, 32)
    (a, cls_a), (b, cls_b) = fused(x, return_cls_attn=True), math(x, return_cls_attn=True)
    torch.testing.assert_close(a, b, rtol=0, atol=1e-6)
    torch.testing.assert_close(cls_a, cls_b, rtol=0, atol=1e-6)
    torch.testing.assert_close(cls_a.sum(-1), torch.ones(2))


def test_batchnorm_folded_into_the_pointwise_conv():
    torch.manual_seed(0)
    norm, conv = torch.nn.BatchNorm2d(8), torch.nn.Conv2d(8, 16, 1)
    norm.running_mean.uniform_(-1, 1)
    norm.running_var.uniform_(0.5, 2)
    norm.weight.data.uniform_(0.5, 1.5)
    norm.bias.data.uniform_(-1, 1)
    norm.eval()
    x = torch.rand(2, 8, 5, 7)
    torch.testing.assert_close(norm_then_pointwise(norm, conv, x), conv(norm(x)), rtol=1e-5, atol=1e-5)
    norm.train()  # training statistics: nothing to fold, the plain path
    assert torch.equal(norm_then_pointwise(norm, conv, x), conv(norm(x)))


def test_relative_position_training_paths_equal_the_bias_path():
    """In training on CPU the decomposed relative position takes its own paths (folded into q / k for windows, an
    in-place bias for large maps): the outputs and gradients of the plain bias path, square and not."""
    from backbones.layers import Attention
    torch.manual_seed(0)
    for hw in [(7, 7), (5, 9), (12, 13)]:  # head_dim 16: the first two fold (H + W <= 16), the last does not
        attn = Attention(48, 3, rel_pos_size=hw)
        with torch.no_grad():
            attn.rel_pos_h.normal_(0, 0.5)
            attn.rel_pos_w.normal_(0, 0.5)
        x = torch.randn(2, hw[0] * hw[1], 48, requires_grad=True)
        params = [x, attn.rel_pos_h, attn.rel_pos_w, attn.qkv.weight]
        fused = attn(x, hw=hw)
        grads = torch.autograd.grad((fused * fused).sum(), params)
        attn.fused_attn = False  # the explicit math path with the bias tensor
        plain = attn(x, hw=hw)
        expected = torch.autograd.grad((plain * plain).sum(), params)
        torch.testing.assert_close(fused, plain, rtol=1e-5, atol=1e-5)
        for g, e in zip(grads, expected):
            torch.testing.assert_close(g, e, rtol=1e-4, atol=1e-4)
