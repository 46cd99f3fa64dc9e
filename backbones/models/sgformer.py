"""SG-Former (S / M / B) for dense prediction: its blocks, zoo and checkpoint converter.

SG-Former: Self-guided Transformer with Evolving Token Reallocation (ICCV 2023, https://arxiv.org/abs/2308.12216).
Parameter names follow the official classification code (OliverRensu/SG-Former ``sgformer.py``), except that the
official ``block{i}`` lists are this project's ``blocks{i}``: :meth:`SGFormer.convert_checkpoint` renames them, so
official ImageNet files (``state_dict_ema`` / ``model`` / plain) load as they are; the classifier ``head.*`` is
reported as not used.

The network, stage by stage (``i`` = 1..4, strides 4, 8, 16, 32):

- stem (``patch_embed1``): three 3x3 convolutions (strides 2, 1, 2), each followed by ``GroupNorm(1, C)``, GELU
  between them, then a LayerNorm over the tokens; later stages start with a 1x1 -> depthwise 3x3 stride 2 -> 1x1
  downsampling (``GroupNorm(1, C)`` after each, GELU between);
- a trainable absolute position embedding (``pos_embed``) is added after the stem; it is stored for the
  grid of the Pretrained checkpoint (56x56 for the 224 ImageNet models) and resized (bicubic) to the actual
  stride-4 map in every forward, once;
- blocks: pre-norm attention and an MLP with a depthwise 3x3 convolution (added to its hidden activations before
  GELU). In stages whose ``sr_ratio`` is above 1 the blocks alternate:

  * even blocks (0, 2, ...) use *hybrid-scale attention*: half the heads attend over the whole map with keys and
    values from an ``sr x sr`` strided convolution (+ LayerNorm, GELU), the other half inside non-overlapping 7x7
    windows. The mean attention every key receives (global: upsampled to the map by repetition; local: inside its
    window) is summed into a *significance map*, which is handed to the next block;
  * odd blocks use *self-guided attention*: the tokens are ordered by the significance map, once row-major and
    once column-major; each ordering is cut into parts (quarter / half / quarter for ``sr`` 8 and 4, halves for
    ``sr`` 2) and consecutive tokens of a part are merged by a learned linear map of fixed group size
    (``f1`` / ``f2`` / ``f3``; 196 / 56 / 28 tokens for ``sr`` 8, 49 / 14 / 7 for 4, 2 / 1 for 2): the least
    significant tokens are merged most coarsely. Half the heads take keys / values from the row-major sequence
    (``kv1``), half from the column-major one (``kv2``); the queries are all tokens.

  Stages with ``sr_ratio`` 1 (stage 4) use plain multi-head self-attention. Every attention adds LePE (a linear
  layer then a depthwise 3x3 convolution of its input) to its output before the projection. The significance map
  starts afresh in every stage.
- a LayerNorm (``norm{i}``) closes every stage; it is on the path of the next stage too (as officially), and its
  output is the stage's feature map.

Input sizes (any, padding only where an operation needs it), the attention modes, the sort's sensitivity to
rounding and the measured costs: docs/sgformer.md.
"""
import math
from dataclasses import replace
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn.bricks import DropPath
from mmengine.model.weight_init import trunc_normal_

from ..layers import Mlp, attention_map, resize_pos_embed, scaled_dot_product, window_partition, window_unpartition
from ..state_dicts import count_blocks, fit_pos_embed
from .base import PyramidBackbone, register_backbone

# what only the ImageNet classifiers have
# the official code's input granularity: every side a multiple of this
SIDE_MULTIPLE = 224
WINDOW = 7
# tokens merged into one key / value by the self-guided attention, per part of the sorted sequence, by sr_ratio
GROUP_SIZES = {8: (196, 56, 28), 4: (49, 14, 7), 2: (2, 1)}


class ConvNorm(nn.Sequential):
    """Convolution without bias then ``GroupNorm(1, C)`` (``Conv2d_BN`` upstream, names ``c`` and ``bn``)."""

    def __init__(self, in_dim: int, out_dim: int, kernel: int = 1, stride: int = 1, groups: int = 1):
        super().__init__()
        self.c = nn.Conv2d(in_dim, out_dim, kernel, stride, kernel // 2, groups=groups, bias=False)
        self.bn = nn.GroupNorm(1, out_dim)


class Stem(nn.Module):
    """Stride-4 stem: (3x3 s2, GN) -> GELU -> (3x3, GN) -> GELU -> (3x3 s2, GN), then a LayerNorm over the tokens.
    Returns ``(B, H/4 * W/4, C)`` tokens and the map size."""

    def __init__(self, in_channels: int, dim: int):
        super().__init__()
        self.conv = nn.Sequential(ConvNorm(in_channels, dim, 3, 2), nn.GELU(), ConvNorm(dim, dim, 3), nn.GELU(),
                                  ConvNorm(dim, dim, 3, 2))
        self.norm = nn.LayerNorm(dim)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, Tuple[int, int]]:
        x = self.conv(x)
        hw = (x.shape[2], x.shape[3])
        return self.norm(x.flatten(2).transpose(1, 2)), hw


class Downsample(nn.Module):
    """Stride-2 downsampling: (1x1, GN) -> GELU -> (depthwise 3x3 s2, GN) -> GELU -> (1x1, GN); tokens out."""

    def __init__(self, in_dim: int, dim: int):
        super().__init__()
        self.act = nn.GELU()
        self.conv1 = ConvNorm(in_dim, dim)
        self.conv2 = ConvNorm(dim, dim, 3, 2, groups=dim)
        self.conv3 = ConvNorm(dim, dim)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, Tuple[int, int]]:
        x = self.conv3(self.act(self.conv2(self.act(self.conv1(x)))))
        return x.flatten(2).transpose(1, 2), (x.shape[2], x.shape[3])


def tokens_to_map(x: torch.Tensor, hw: Tuple[int, int]) -> torch.Tensor:
    """``(B, H * W, C)`` -> ``(B, C, H, W)``."""
    return x.transpose(1, 2).reshape(x.shape[0], x.shape[2], *hw)


class DepthwiseConv(nn.Module):
    """3x3 depthwise convolution of a token sequence over its map (``DWConv`` upstream)."""

    def __init__(self, dim: int):
        super().__init__()
        self.dwconv = nn.Conv2d(dim, dim, 3, 1, 1, groups=dim)

    def forward(self, x: torch.Tensor, hw: Tuple[int, int]) -> torch.Tensor:
        return self.dwconv(tokens_to_map(x, hw)).flatten(2).transpose(1, 2)


class ConvMlp(Mlp):
    """The MLP with a depthwise 3x3 convolution on its hidden tokens: ``fc2(GELU(h + dwconv(h)))``, ``h = fc1(x)``."""

    def __init__(self, dim: int, hidden: int, drop: float = 0.):
        super().__init__(dim, hidden, drop)
        self.dwconv = DepthwiseConv(hidden)

    def forward(self, x: torch.Tensor, hw: Tuple[int, int]) -> torch.Tensor:
        h = self.fc1(x)
        return self.from_hidden(h + self.dwconv(h, hw))


class _AttentionBase(nn.Module):
    """What every SG-Former attention has: heads, LePE (``lepe_linear`` then a depthwise 3x3 ``lepe_conv``, added
    to the attention output) and the output projection."""

    def __init__(self, dim: int, num_heads: int, qk_scale: Optional[float], attn_drop: float, proj_drop: float,
                 fused_attn: bool):
        super().__init__()
        if dim % num_heads:
            raise ValueError(f'dim {dim} is not a multiple of num_heads {num_heads}')
        self.num_heads, self.head_dim = num_heads, dim // num_heads
        self.scale = qk_scale or self.head_dim**-0.5
        self.fused_attn = fused_attn
        self.lepe_linear = nn.Linear(dim, dim)
        self.lepe_conv = nn.Conv2d(dim, dim, 3, 1, 1, groups=dim)
        self.attn_drop = nn.Dropout(attn_drop)
        self.proj = nn.Linear(dim, dim)
        self.proj_drop = nn.Dropout(proj_drop)

    def lepe(self, x: torch.Tensor, hw: Tuple[int, int]) -> torch.Tensor:
        return self.lepe_conv(tokens_to_map(self.lepe_linear(x), hw)).flatten(2).transpose(1, 2)

    def heads(self, x: torch.Tensor, n: int) -> torch.Tensor:
        """``(B, N, n * head_dim)`` -> ``(B, n, N, head_dim)``."""
        return x.reshape(x.shape[0], x.shape[1], n, self.head_dim).transpose(1, 2)

    def key_value(self, layer: nn.Linear, x: torch.Tensor, n: int) -> Tuple[torch.Tensor, torch.Tensor]:
        """Keys and values of ``n`` heads from one linear layer (keys first): each ``(B, n, N, head_dim)``."""
        kv = layer(x).reshape(x.shape[0], x.shape[1], 2, n, self.head_dim).permute(2, 0, 3, 1, 4)
        return kv[0], kv[1]

    def attend(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        """softmax(q k^T * scale) v, per head: ``(B, n, N, head_dim)``."""
        return scaled_dot_product(q, k, v, self.scale, self.fused_attn, self.attn_drop.p if self.training else 0.)

    def finish(self, out: torch.Tensor, x: torch.Tensor, hw: Tuple[int, int]) -> torch.Tensor:
        """Projection of the attention output ``(B, N, C)`` plus LePE of the attention input ``x``."""
        return self.proj_drop(self.proj(out + self.lepe(x, hw)))

    def mix(self, x: torch.Tensor, hw: Tuple[int, int],
            significance: Optional[torch.Tensor]) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
        """The heads' output ``(B, N, C)`` before the projection, and the significance map it gives (or None)."""
        raise NotImplementedError

    def forward(self, x: torch.Tensor, hw: Tuple[int, int], significance: Optional[torch.Tensor] = None,
                window: int = 0) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
        """Attention over the whole ``hw`` map (``window`` 0) or inside ``window x window`` windows of it (the map
        zero-padded to whole windows; the significance map too); LePE and the projection always see the whole map.
        Returns the output tokens and the significance map this attention gives (or None)."""
        if not window:
            out, significance = self.mix(x, hw, significance)
            return self.finish(out, x, hw), significance
        B, _, C = x.shape
        windows, padded = window_partition(x.reshape(B, *hw, C), window)
        if significance is not None:
            significance = window_partition(significance[..., None], window)[0].reshape(-1, window, window)
        out, significance = self.mix(windows, (window, window), significance)
        out = window_unpartition(out, window, padded, hw).reshape(B, -1, out.shape[-1])
        if significance is not None:
            significance = window_unpartition(significance.reshape(-1, window * window, 1), window, padded, hw)[..., 0]
        return self.finish(out, x, hw), significance


class GlobalAttention(_AttentionBase):
    """Plain multi-head self-attention with LePE (stages with ``sr_ratio`` 1)."""

    def __init__(self, dim: int, num_heads: int, qkv_bias: bool = True, qk_scale: Optional[float] = None,
                 attn_drop: float = 0., proj_drop: float = 0., fused_attn: bool = True):
        super().__init__(dim, num_heads, qk_scale, attn_drop, proj_drop, fused_attn)
        self.q = nn.Linear(dim, dim, bias=qkv_bias)
        self.kv = nn.Linear(dim, dim * 2, bias=qkv_bias)

    def mix(self, x: torch.Tensor, hw: Tuple[int, int],
            significance: Optional[torch.Tensor] = None) -> Tuple[torch.Tensor, None]:
        h = self.num_heads
        out = self.attend(self.heads(self.q(x), h), *self.key_value(self.kv, x, h))
        return out.transpose(1, 2).flatten(2), None


class HybridScaleAttention(_AttentionBase):
    """Half the heads global over an ``sr``-times reduced map, half in 7x7 windows; also returns the significance
    map ``(B, H, W)``: the mean attention each token receives as a key in either half (detached)."""

    def __init__(self, dim: int, num_heads: int, sr_ratio: int, qkv_bias: bool = True,
                 qk_scale: Optional[float] = None, attn_drop: float = 0., proj_drop: float = 0.,
                 window_size: int = WINDOW):
        super().__init__(dim, num_heads, qk_scale, attn_drop, proj_drop, fused_attn=False)
        if num_heads % 2:
            raise ValueError(f'hybrid-scale attention splits the heads in two halves; got {num_heads} heads')
        self.sr_ratio, self.window_size = sr_ratio, window_size
        # global half: queries from the tokens, keys / values from the reduced map
        self.q1 = nn.Linear(dim, dim // 2, bias=qkv_bias)
        self.kv1 = nn.Linear(dim, dim, bias=qkv_bias)
        self.sr = nn.Conv2d(dim, dim, sr_ratio, sr_ratio)
        self.norm = nn.LayerNorm(dim)
        self.act = nn.GELU()
        # local half: windows of the tokens
        self.q2 = nn.Linear(dim, dim // 2, bias=qkv_bias)
        self.kv2 = nn.Linear(dim, dim, bias=qkv_bias)

    def to_windows(self, t: torch.Tensor, hw: Tuple[int, int]) -> torch.Tensor:
        """``(B, n, H * W, d)`` -> ``(B, n, H/w, W/w, w * w, d)``."""
        (H, W), w = hw, self.window_size
        B, n, _, d = t.shape
        t = t.reshape(B, n, H // w, w, W // w, w, d).transpose(3, 4)
        return t.reshape(B, n, H // w, W // w, w * w, d)

    def window_validity(self, hw: Tuple[int, int], padded: Tuple[int, int], device: torch.device) -> torch.Tensor:
        """Which tokens of each window of the padded map are in the map: ``(H/w, W/w, w * w)`` bool."""
        # rows and columns compared with the map size rather than a slice assignment: the same mask, also traced
        valid = ((torch.arange(padded[0], device=device) < hw[0])[:, None]
                 & (torch.arange(padded[1], device=device) < hw[1])[None, :])
        w = self.window_size
        return valid.reshape(padded[0] // w, w, padded[1] // w, w).transpose(1, 2).reshape(
            padded[0] // w, padded[1] // w, w * w)

    def mix(self, x: torch.Tensor, hw: Tuple[int, int],
            significance: Optional[torch.Tensor] = None) -> Tuple[torch.Tensor, torch.Tensor]:
        B, N, C = x.shape
        (H, W), s, w, n = hw, self.sr_ratio, self.window_size, self.num_heads // 2

        # global half over the reduced map (a map that is no multiple of sr is zero-padded at the bottom / right,
        # so the last reduced tokens cover the map's remainder)
        grid = tokens_to_map(x, hw)
        if torch.jit.is_tracing() or H % s or W % s:  # traced: the padding follows the input size
            grid = F.pad(grid, (0, -W % s, 0, -H % s))
        reduced = self.act(self.norm(self.sr(grid).flatten(2).transpose(1, 2)))
        Hs, Ws = (H + s - 1) // s, (W + s - 1) // s  # ceil; not -(-H // s): traced, // of negatives truncates
        k, v = self.key_value(self.kv1, reduced, n)
        attn = self.attn_drop(attention_map(self.heads(self.q1(x), n), k, self.scale))
        out_global = (attn @ v).transpose(1, 2).reshape(B, N, C // 2)
        received = attn.detach().mean(1).mean(1)  # (B, reduced tokens): mean over heads, then over queries
        sig_global = received.reshape(B, Hs, 1, Ws, 1).expand(-1, -1, s, -1, s).reshape(B, Hs * s, Ws * s)
        sig_global = sig_global[:, :H, :W]

        # local half in windows (a map that is no multiple of w is padded; padded keys are masked out, padded
        # queries are dropped, and the significance averages over the queries in the map)
        padded = (H + -H % w, W + -W % w)
        # traced: the padded path always (its padding and mask follow the input size; no-ops where nothing pads)
        pads = torch.jit.is_tracing() or padded != (H, W)
        tokens = x
        if pads:
            tokens = F.pad(x.reshape(B, H, W, C), (0, 0, 0, padded[1] - W, 0, padded[0] - H)).flatten(1, 2)
        q = self.to_windows(self.heads(self.q2(tokens), n), padded)
        k, v = (self.to_windows(t, padded) for t in self.key_value(self.kv2, tokens, n))
        logits = (q @ k.transpose(-2, -1)).mul_(self.scale)  # (B, n, H/w, W/w, w*w, w*w)
        if pads:
            valid = self.window_validity(hw, padded, x.device)
            logits.masked_fill_(~valid[:, :, None, :], float('-inf'))
        attn = self.attn_drop(logits.softmax(-1))
        nh, nw = padded[0] // w, padded[1] // w
        out_local = (attn @ v).reshape(B, n, nh, nw, w, w, -1).permute(0, 2, 4, 3, 5, 1, 6)
        out_local = out_local.reshape(B, *padded, C // 2)[:, :H, :W].reshape(B, N, C // 2)
        if not pads:
            received = attn.detach().mean(1).mean(-2)  # (B, H/w, W/w, w*w)
        else:
            weights = valid / valid.sum(-1, keepdim=True)  # mean over the window's queries in the map
            received = (attn.detach().mean(1) * weights[..., None]).sum(-2)
        sig_local = received.reshape(B, nh, nw, w, w).transpose(2, 3).reshape(B, *padded)[:, :H, :W]

        return torch.cat([out_global, out_local], dim=-1), sig_local + sig_global


class SelfGuidedAttention(_AttentionBase):
    """All heads' queries are the tokens; keys / values come from the tokens ordered by significance (half the heads
    row-major, ``kv1``, half column-major, ``kv2``), merged in groups by learned weights (``f1``, ``f2``, ``f3``):
    the quarter (sr 2: half) least significant tokens in the largest groups, the most significant in the smallest."""

    def __init__(self, dim: int, num_heads: int, sr_ratio: int, qkv_bias: bool = True,
                 qk_scale: Optional[float] = None, attn_drop: float = 0., proj_drop: float = 0.,
                 fused_attn: bool = True):
        super().__init__(dim, num_heads, qk_scale, attn_drop, proj_drop, fused_attn)
        if num_heads % 2:
            raise ValueError(f'self-guided attention splits the heads in two halves; got {num_heads} heads')
        self.group_sizes = GROUP_SIZES[sr_ratio]
        self.q = nn.Linear(dim, dim, bias=qkv_bias)
        self.kv1 = nn.Linear(dim, dim, bias=qkv_bias)
        self.kv2 = nn.Linear(dim, dim, bias=qkv_bias)
        for i, g in enumerate(self.group_sizes):
            setattr(self, f'f{i + 1}', nn.Linear(g, 1))

    def part_lengths(self, n: int) -> List[int]:
        if len(self.group_sizes) == 3:
            return [n // 4, n // 4 * 3 - n // 4, n - n // 4 * 3]
        return [n // 2, n - n // 2]

    def merge(self, tokens: torch.Tensor, order: torch.Tensor) -> torch.Tensor:
        """``tokens`` ``(B, N, C)`` taken in ``order`` ``(B, N)``, each part merged in groups: ``(B, N', C)``."""
        B, N, C = tokens.shape
        tokens = tokens.gather(1, order.unsqueeze(-1).expand(-1, -1, C))
        merged, start = [], 0
        for i, (g, length) in enumerate(zip(self.group_sizes, self.part_lengths(N))):
            part = tokens[:, start:start + length].transpose(1, 2)
            if torch.jit.is_tracing() or length % g:  # the last group of a part is completed with zero tokens
                part = F.pad(part, (0, -length % g))
            part = part.reshape(B, C, (length + g - 1) // g, g)  # ceil, also traced (see Hs above)
            merged.append(getattr(self, f'f{i + 1}')(part).squeeze(-1))
            start += length
        return torch.cat(merged, dim=-1).transpose(1, 2)

    def token_orders(self, significance: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Token indices by ascending significance ``(B, H, W)``: of the row-major and of the column-major
        sequence, each ``(B, H * W)``."""
        B = significance.shape[0]
        rows = torch.sort(significance.reshape(B, -1), dim=1)[1]
        cols = torch.sort(significance.transpose(1, 2).reshape(B, -1), dim=1)[1]
        return rows, cols

    def mix(self, x: torch.Tensor, hw: Tuple[int, int],
            significance: Optional[torch.Tensor] = None) -> Tuple[torch.Tensor, None]:
        if significance is None:
            raise ValueError('self-guided attention needs the significance map of the block before it')
        B, N, C = x.shape
        n = self.num_heads // 2
        row_order, col_order = self.token_orders(significance)
        x_cols = x.reshape(B, *hw, C).transpose(1, 2).reshape(B, N, C)
        k1, v1 = self.key_value(self.kv1, self.merge(x, row_order), n)
        k2, v2 = self.key_value(self.kv2, self.merge(x_cols, col_order), n)
        out = self.attend(self.heads(self.q(x), 2 * n), torch.cat([k1, k2], 1), torch.cat([v1, v2], 1))
        return out.transpose(1, 2).flatten(2), None


class SGBlock(nn.Module):
    """Pre-norm block on ``(B, H * W, C)`` tokens: ``x + attn(norm1(x))``, then ``x + mlp(norm2(x))``. Takes and
    returns the significance map (``None`` where there is none) with the tokens."""

    def __init__(self, attn: nn.Module, dim: int, mlp_ratio: float, drop: float, drop_path: float, window: int = 0):
        super().__init__()
        self.window = window  # 0: attention over the whole map
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = attn
        self.drop_path = DropPath(drop_path) if drop_path > 0 else nn.Identity()
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = ConvMlp(dim, int(dim * mlp_ratio), drop)

    def forward(self, x: torch.Tensor, hw: Tuple[int, int],
                significance: Optional[torch.Tensor] = None) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
        y, significance = self.attn(self.norm1(x), hw, significance, self.window)
        x = x + self.drop_path(y)
        x = x + self.drop_path(self.mlp(self.norm2(x), hw))
        return x, significance


def sincos_pos_embed(dim: int, grid: Tuple[int, int]) -> torch.Tensor:
    """2-D sine-cosine table ``(1, H * W, dim)`` (MAE layout: the first half of the channels encodes the column,
    the second the row, each as sines then cosines); the official initial value of ``pos_embed``."""
    quarter = dim // 4
    freq = 1. / 10000**(torch.arange(quarter, dtype=torch.float64) / quarter)
    rows, cols = torch.meshgrid(torch.arange(grid[0], dtype=torch.float64),
                                torch.arange(grid[1], dtype=torch.float64), indexing='ij')
    parts = []
    for pos in (cols.flatten(), rows.flatten()):
        angle = pos[:, None] * freq[None]
        parts += [angle.sin(), angle.cos()]
    return torch.cat(parts, dim=1).float()[None]


@register_backbone
class SGFormer(PyramidBackbone):
    """SG-Former backbone giving a feature pyramid (strides 4, 8, 16, 32), one LayerNorm-ed map per stage.

    Registered in mmengine's root ``MODELS`` registry (``type='SGFormer'`` after
    ``custom_imports = dict(imports=['backbones'])``). The options shared by every family (``out_indices``,
    ``frozen_stages``, ``norm_eval``, ``with_cp``, ``init_cfg``, the input check) are described in
    :class:`~backbones.models.base.PyramidBackbone`; see the module docstring for the blocks, input sizes and
    attention modes.

    Args:
        arch (str | dict): ``'s'`` / ``'small'``, ``'m'`` / ``'medium'``, ``'b'`` / ``'base'`` or a dict with
            ``depths``, ``embed_dims``, ``num_heads`` and optionally ``sr_ratios`` ([8, 4, 2, 1]) and ``mlp_ratio``
            (4). ``sr_ratio`` of stage ``i`` (0-based) must be 1, 2, 4 or 8 and divide ``56 / 2**i``; stages with
            ``sr_ratio`` above 1 need an even number of heads. Defaults to ``'s'``.
        pretrain_img_size (int, optional): Square input size the ``pos_embed`` table is stored for (its grid is a
            quarter of it). None: the grid of the Pretrained checkpoint in ``init_cfg`` (read at build time, so a
            table trained at 448 is resized once, from 112x112 to the map), else 224. Checkpoints loaded later with
            another square grid are resized on load (bicubic). Defaults to None.
        attn_mode (str | list[list[int]]): ``'global'`` (published), ``'window'`` or ``'hybrid'`` (stage 3 in
            ``window_size`` windows; hybrid keeps every 4th block of it global), or a window side per block (0 =
            global), one list per stage, in that stage's tokens. Switchable at test time. Defaults to ``'global'``.
        window_size (int): Window side in stage-3 tokens (14 = 224 pixels, the pretraining map). Defaults to 14.
        drop_path_rate (float): Stochastic depth, rising linearly over all blocks. Defaults to 0.
        drop_rate (float): Dropout after projections and in the MLP. attn_drop_rate (float): Attention dropout.
        qkv_bias (bool): Biases of the query / key / value layers (True in the official models).
        qk_scale (float, optional): Overrides ``head_dim ** -0.5``.
        fused_attn (bool): ``F.scaled_dot_product_attention`` where no attention map is needed (self-guided and
            plain attention; the hybrid-scale attention always computes its maps): less memory, faster. The
            official op order (False) gives the official outputs bit for bit on the same machine. The self-guided
            regrouping sorts tokens by significance, so rounding differences can swap near-tied tokens: how far the
            fused path lands from the official outputs is measured in docs/sgformer.md. Defaults to False.
        frozen_stages (int): -1 nothing, 0 the stem and ``pos_embed``, k those and stages 1..k.
        in_channels, out_indices, norm_eval, with_cp, init_cfg: as :class:`PyramidBackbone`.
    """

    arch_zoo: Dict[str, dict] = {
        **dict.fromkeys(['s', 'small'], dict(depths=[2, 4, 16, 1], embed_dims=[64, 128, 256, 512],
                                             num_heads=[2, 4, 8, 16])),
        **dict.fromkeys(['m', 'medium'], dict(depths=[2, 6, 28, 2], embed_dims=[64, 128, 256, 512],
                                              num_heads=[2, 4, 8, 16])),
        **dict.fromkeys(['b', 'base'], dict(depths=[4, 6, 24, 2], embed_dims=[96, 192, 384, 768],
                                            num_heads=[4, 6, 12, 24])),
    }
    arch_required = ('depths', 'embed_dims', 'num_heads')
    windowable_stages = (0, 1, 2, 3)
    window_stages = (2, )  # 'window' / 'hybrid': stage 3, the one whose self-guided attention is nearly global
    hybrid_global_every = 4  # 'hybrid': blocks 4, 8, ... (self-guided ones) of stage 3 stay global
    arch_defaults = dict(sr_ratios=[8, 4, 2, 1], mlp_ratio=4.)
    default_init_cfg = None  # the official initialisation, in init_weights
    classifier_keys = ('head.', )

    def __init__(self,
                 arch: Union[str, dict] = 's',
                 pretrain_img_size: Optional[int] = None,
                 attn_mode: Union[str, Sequence[Sequence[int]]] = 'global',
                 window_size: int = 14,
                 in_channels: int = 3,
                 out_indices: Union[int, Sequence[int]] = (0, 1, 2, 3),
                 frozen_stages: int = -1,
                 norm_eval: bool = False,
                 with_cp: Union[bool, Sequence[Union[bool, int]]] = False,
                 drop_path_rate: float = 0.,
                 drop_rate: float = 0.,
                 attn_drop_rate: float = 0.,
                 qkv_bias: bool = True,
                 qk_scale: Optional[float] = None,
                 fused_attn: bool = False,
                 init_cfg: Optional[Union[dict, List[dict]]] = None):
        super().__init__(arch, attn_mode, window_size, in_channels, out_indices, frozen_stages, norm_eval, with_cp,
                         init_cfg)
        if pretrain_img_size is None:
            self.pos_grid = self.pretrained_pos_grid(default=(SIDE_MULTIPLE // 4, ) * 2)
        elif isinstance(pretrain_img_size, int) and pretrain_img_size > 0 and pretrain_img_size % 4 == 0:
            self.pos_grid = (pretrain_img_size // 4, ) * 2
        else:
            raise ValueError(f'pretrain_img_size must be a positive multiple of 4 (or None), got {pretrain_img_size!r}')
        self.attn_cfg = dict(qkv_bias=qkv_bias, qk_scale=qk_scale, attn_drop=attn_drop_rate, proj_drop=drop_rate)
        self.drop_rate, self.fused_attn = drop_rate, fused_attn
        self.build_pyramid(drop_path_rate)
        self.pos_embed = nn.Parameter(torch.zeros(1, self.pos_grid[0] * self.pos_grid[1], self.stages[0].channels))
        self._freeze_stages()

    @classmethod
    def check_arch(cls, arch: dict) -> None:
        for key in ('embed_dims', 'num_heads', 'sr_ratios'):
            if len(arch[key]) != len(cls.strides):
                raise ValueError(f'{key} needs {len(cls.strides)} entries (one per stage), got {arch[key]}')
        for i, (dim, heads, sr) in enumerate(zip(arch['embed_dims'], arch['num_heads'], arch['sr_ratios'])):
            if sr not in (1, *GROUP_SIZES) or (SIDE_MULTIPLE // 4 >> i) % sr:
                raise ValueError(f'sr_ratios[{i}] = {sr}: stage {i + 1} takes 1, 2, 4 or 8 dividing '
                                 f'{SIDE_MULTIPLE // 4 >> i}')
            if dim % heads or (sr > 1 and heads % 2):
                raise ValueError(f'stage {i + 1}: embed_dims {dim} must be a multiple of num_heads {heads}, and '
                                 f'the heads even where sr_ratio > 1 (half global, half local)')

    # ---- layers -----------------------------------------------------------------------------------
    def make_embed(self, stage: int, in_dim: int, dim: int) -> nn.Module:
        return Stem(in_dim, dim) if stage == 0 else Downsample(in_dim, dim)

    def block_kind(self, stage: int, index: int) -> str:
        """``'hybrid'`` (even blocks), ``'guided'`` (odd blocks) where ``sr_ratio > 1``; else ``'global'``."""
        if self.arch['sr_ratios'][stage] == 1:
            return 'global'
        return 'guided' if index % 2 else 'hybrid'

    def make_block(self, stage: int, index: int, drop_path: float) -> nn.Module:
        dim, heads, sr = (self.arch[k][stage] for k in ('embed_dims', 'num_heads', 'sr_ratios'))
        kind = self.block_kind(stage, index)
        if kind == 'global':
            attn = GlobalAttention(dim, heads, fused_attn=self.fused_attn, **self.attn_cfg)
        elif kind == 'hybrid':
            attn = HybridScaleAttention(dim, heads, sr, **self.attn_cfg)
        else:
            attn = SelfGuidedAttention(dim, heads, sr, fused_attn=self.fused_attn, **self.attn_cfg)
        return SGBlock(attn, dim, self.arch['mlp_ratio'], self.drop_rate, drop_path, self.window_sizes[stage][index])

    def declare_stages(self):
        """The standard layout, with ``pos_embed`` in the stem and each stage's norm on the path (it feeds the next
        stage, and official checkpoints hold them all): the stage outputs are taken after it, with no norm of
        their own."""
        stem, stages = super().declare_stages()
        return stem + ('pos_embed', ), [replace(s, tail=(s.out_norm, ), out_norm=None) for s in stages]

    def make_tail(self, stage: int) -> Dict[str, nn.Module]:
        return {f'norm{stage + 1}': nn.LayerNorm(self.stages[stage].channels, eps=1e-6)}

    # ---- forward ----------------------------------------------------------------------------------
    def forward_stage(self, stage: int, x: torch.Tensor, carry: dict) -> torch.Tensor:
        x, hw = getattr(self, f'patch_embed{stage + 1}')(x)
        if stage == 0:
            x = x + resize_pos_embed(self.pos_embed, self.pos_grid, hw, 0)
        significance = None  # each stage starts afresh
        for j, block in enumerate(getattr(self, f'blocks{stage + 1}')):
            x, significance = self.call_block(stage, j, block, x, hw, significance)
        return tokens_to_map(getattr(self, f'norm{stage + 1}')(x), hw)

    # ---- initialisation ---------------------------------------------------------------------------
    def init_weights(self):
        """The official initialisation (truncated-normal linear layers, fan-out normal convolutions, unit norms,
        the sine-cosine ``pos_embed``), then ``init_cfg``'s."""
        if not self._is_init:
            for m in self.modules():
                if isinstance(m, nn.Linear):
                    trunc_normal_(m.weight, std=.02)
                    if m.bias is not None:
                        nn.init.zeros_(m.bias)
                elif isinstance(m, (nn.LayerNorm, nn.GroupNorm)):
                    nn.init.ones_(m.weight)
                    nn.init.zeros_(m.bias)
                elif isinstance(m, nn.Conv2d):
                    fan_out = m.kernel_size[0] * m.kernel_size[1] * m.out_channels // m.groups
                    nn.init.normal_(m.weight, 0, math.sqrt(2.0 / fan_out))
                    if m.bias is not None:
                        nn.init.zeros_(m.bias)
            with torch.no_grad():
                self.pos_embed.copy_(sincos_pos_embed(self.pos_embed.shape[-1], self.pos_grid))
        super().init_weights()

    # ---- checkpoints ------------------------------------------------------------------------------
    @staticmethod
    def convert_checkpoint(state_dict: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        """Official SG-Former names -> this backbone's (pure, idempotent): ``block{i}.`` -> ``blocks{i}.``; the
        classifier ``head.*`` is kept (and reported as not used on load)."""
        out = {}
        for k, v in state_dict.items():
            top, _, rest = k.partition('.')
            if len(top) == 6 and top.startswith('block') and top[5].isdigit():
                k = f'blocks{top[5]}.{rest}'
            out[k] = v
        return out

    def fit_state_dict(self, state_dict: Dict[str, torch.Tensor], notes: List[str]) -> Dict[str, torch.Tensor]:
        """A square ``pos_embed`` of another grid resized to this instance's (bicubic)."""
        if state_dict.get('pos_embed') is not None:
            state_dict = dict(state_dict, pos_embed=fit_pos_embed(state_dict['pos_embed'], 0, 0, self.pos_grid,
                                                                  notes=notes))
        return state_dict

    @classmethod
    def describe_state_dict(cls, state_dict: Dict[str, torch.Tensor]) -> Optional[dict]:
        if 'patch_embed1.conv.0.c.weight' not in state_dict or not all(
                f'blocks{s}.0.norm1.weight' in state_dict for s in range(1, 5)):
            return None
        depths = [count_blocks(state_dict, f'blocks{s}') for s in range(1, 5)]
        dims = [int(state_dict[f'blocks{s}.0.norm1.weight'].shape[0]) for s in range(1, 5)]
        srs = [int(state_dict[f'blocks{s}.0.attn.sr.weight'].shape[-1]) if f'blocks{s}.0.attn.sr.weight' in
               state_dict else 1 for s in range(1, 5)]
        return dict(depths=depths, embed_dims=dims, sr_ratios=srs)

    @classmethod
    def describe_arch(cls, arch: dict) -> dict:
        return dict(depths=list(arch['depths']), embed_dims=list(arch['embed_dims']),
                    sr_ratios=list(arch['sr_ratios']))
