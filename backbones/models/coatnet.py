"""CoAtNet (the paper's configs 0-3 and timm's ``_rw`` variants) for dense prediction.

CoAtNet: Marrying Convolution and Attention for All Data Sizes (NeurIPS 2021, https://arxiv.org/abs/2106.04803):
a stride-2 convolutional stem, two stages of MBConv blocks, two stages of transformer blocks with a relative
position bias (C-C-T-T); every stage halves the map in its first block. Neither paper released weights; the weights
people use are timm's (``timm/models/maxxvit.py``), whose module names are kept below the stage level (timm's
``stages.{i}.blocks.{j}`` is our ``blocks{i + 1}.{j}``, the converter maps it), so timm state dicts load unchanged.

The relative position of an attention stage is sized to its map at the pretraining size (14x14 and 7x7 for 224).
For another map it is, per block, either kept and used in windows of that pretraining map (``window``, MOAT's
recipe: the table as trained) or resized to the map (``global``: the bias table with timm's
``resize_rel_pos_bias_table``, the log-coordinate MLP of the ``rmlp`` variants evaluated at the map's offsets, as
timm's ``set_input_size``). docs/coatnet.md has the details.
"""
import math
import re
from collections import OrderedDict
from functools import lru_cache
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn.bricks import DropPath
from mmengine.model.weight_init import trunc_normal_

from ..layers import (AvgPool2x2, Mlp, SqueezeExcite, is_channels_last, make_divisible, needs_autograd,
                      padded_key_mask, scaled_dot_product, window_partition, window_unpartition)
from ..layers.norm import LayerNorm2d
from ..state_dicts import count_blocks
from .base import PyramidBackbone, Stage, register_backbone

ACTIVATIONS = dict(gelu=nn.GELU, silu=nn.SiLU, relu=nn.ReLU)
TABLE_KEY = 'relative_position_bias_table'


def pointwise(conv: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """A 1x1 convolution (or an Identity) on an NCHW map; on one stored channels-last, as a matrix product over its
    channels, stored channels-last too (faster on CPU than the convolution kernels: docs/coatnet.md)."""
    if not isinstance(conv, nn.Conv2d) or not is_channels_last(x):
        return conv(x)
    return F.linear(x.permute(0, 2, 3, 1), conv.weight.flatten(1), conv.bias).permute(0, 3, 1, 2)


def make_pool(pool_type: str) -> nn.Module:
    """A stride-2 pooling giving ``ceil(H / 2)`` rows: ``'avg2'`` (:class:`AvgPool2x2`) or ``'max'`` (3x3, padding 1,
    as timm)."""
    return AvgPool2x2() if pool_type == 'avg2' else nn.MaxPool2d(3, 2, padding=1)


class BatchNormAct2d(nn.BatchNorm2d):
    """BatchNorm then an activation, SiLU / ReLU in place on the norm's output (timm's ``BatchNormAct2d``, same
    parameter names)."""

    def __init__(self, channels: int, act: str, apply_act: bool = True, eps: float = 1e-5):
        super().__init__(channels, eps=eps)
        self.act = (nn.GELU() if act == 'gelu' else ACTIVATIONS[act](inplace=True)) if apply_act else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(super().forward(x))


class Downsample(nn.Module):
    """Stride-2 pooling, then a 1x1 convolution where the channels change (timm's ``Downsample2d``)."""

    def __init__(self, in_dim: int, out_dim: int, pool_type: str, bias: bool = True):
        super().__init__()
        self.pool = make_pool(pool_type)
        self.expand = nn.Conv2d(in_dim, out_dim, 1, bias=bias) if in_dim != out_dim else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return pointwise(self.expand, self.pool(x))


class Stem(nn.Module):
    """3x3 stride-2 conv, BatchNorm + activation, 3x3 conv (timm's ``Stem``)."""

    def __init__(self, in_dim: int, widths: Sequence[int], act: str, bias: bool = False):
        super().__init__()
        self.conv1 = nn.Conv2d(in_dim, widths[0], 3, 2, 1, bias=bias)
        self.norm1 = BatchNormAct2d(widths[0], act)
        self.conv2 = nn.Conv2d(widths[0], widths[1], 3, 1, 1, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv2(self.norm1(self.conv1(x)))


class MbConvBlock(nn.Module):
    """Pre-norm inverted bottleneck: BN -> 1x1 expand -> BN-act -> 3x3 depthwise -> SE / BN-act -> 1x1 (timm's
    ``MbConvBlock``). With stride 2 the shortcut pools (``pool_type``) and projects; the body strides in the
    depthwise conv (``stride_mode='dw'``) or pools first (``'pool'``, with ``down_pool_type``)."""

    def __init__(self, in_dim: int, out_dim: int, stride: int, arch: dict, drop_path: float):
        super().__init__()
        act = arch['conv_act']
        mid = make_divisible((out_dim if arch['expand_output'] else in_dim) * 4)
        pool_stride = stride == 2 and arch['stride_mode'] == 'pool'
        self.shortcut = (Downsample(in_dim, out_dim, arch['pool_type'], arch['output_bias'])
                         if stride == 2 else nn.Identity())
        self.pre_norm = BatchNormAct2d(in_dim, act, apply_act=arch['pre_norm_act'])
        self.down = Downsample(in_dim, in_dim, arch['down_pool_type']) if pool_stride else nn.Identity()
        self.conv1_1x1 = nn.Conv2d(in_dim, mid, 1, bias=False)
        self.norm1 = BatchNormAct2d(mid, act)
        self.conv2_kxk = nn.Conv2d(mid, mid, 3, 1 if pool_stride else stride, 1, groups=mid, bias=False)
        se = SqueezeExcite(mid, int(arch['se_ratio'] * (out_dim if arch['expand_output'] else mid)),
                           ACTIVATIONS[arch['se_act']])
        self.se_early = se if arch['se_early'] else None
        self.norm2 = BatchNormAct2d(mid, act)
        self.se = None if arch['se_early'] else se
        self.conv3_1x1 = nn.Conv2d(mid, out_dim, 1, bias=arch['output_bias'])
        self.drop_path = DropPath(drop_path) if drop_path > 0 else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = self.shortcut(x)
        x = self.conv2_kxk(self.norm1(pointwise(self.conv1_1x1, self.down(self.pre_norm(x)))))
        if self.se_early is not None:
            x = self.se_early(x)
        x = self.norm2(x)
        if self.se is not None:
            x = self.se(x)
        return self.drop_path(pointwise(self.conv3_1x1, x)) + shortcut


def geometric_resize_matrix(src: int, dst: Union[int, torch.Tensor],
                             keep: Union[bool, torch.Tensor] = False) -> torch.Tensor:
    """``(dst, src)`` float64 (traced: float32) weights of timm's ``resize_rel_pos_bias_table`` along one axis (BEiT's
    recipe without scipy): the ``src`` offsets of the table are placed on a geometric progression spanning the
    ``dst`` offsets and linearly interpolated there (the nearest end beyond them). ``keep`` (``dst == src`` on both
    axes, where timm leaves the table as it is) gives the identity. In tensor ops throughout, so that a traced
    ``dst`` follows the input: timm's bisection (19 halvings of [1.01, 1.5]) unrolled, the interpolation as hat
    functions."""
    n = src // 2
    dtype = torch.float32 if torch.jit.is_tracing() else torch.float64  # one float type in the graph: ONNX's Where
    half = torch.as_tensor(dst).to(dtype) // 2
    low, high = torch.tensor(1.01, dtype=dtype), torch.tensor(1.5, dtype=dtype)
    for _ in range(19):  # timm's `while high - low > 1e-6` takes 19 steps from 0.49
        ratio = (low + high) / 2
        above = (1 - ratio**n) / (1 - ratio) > half
        low, high = torch.where(above, low, ratio), torch.where(above, ratio, high)
    steps = ratio**torch.arange(1, n, dtype=dtype)
    offsets = torch.cat([torch.ones(1, dtype=dtype), 1 + torch.cumsum(steps, 0)])
    points = torch.cat([-offsets.flip(0), torch.zeros(1, dtype=dtype), offsets]).float().to(dtype)
    points = torch.where(torch.as_tensor(keep), torch.arange(-n, n + 1, dtype=dtype), points)
    targets = torch.arange(-half, half + 1, dtype=dtype).clamp(points[0], points[-1])
    gaps, one = points[1:] - points[:-1], torch.ones(1, dtype=dtype)
    diff = targets[:, None] - points[None, :]
    gap = torch.where(diff < 0, torch.cat([one, gaps])[None, :], torch.cat([gaps, one])[None, :])
    return (1 - diff.abs() / gap).clamp(min=0)  # the linear interpolation on the uneven grid


_cached_resize_matrix = lru_cache(maxsize=None)(geometric_resize_matrix)


def resize_rel_pos_grid(grid: torch.Tensor, size: Tuple[int, int]) -> torch.Tensor:
    """A relative-position grid ``(heads, 2h - 1, 2w - 1)`` resized to ``size`` offsets per axis as timm's
    ``resize_rel_pos_bias_table`` (both axes resized when either differs, as there); differentiable. Traced, the
    sizes follow the input."""
    src_h, src_w = grid.shape[1:]
    if torch.jit.is_tracing():
        keep = (torch.as_tensor(size[0]) == src_h) & (torch.as_tensor(size[1]) == src_w)
        rows, cols = geometric_resize_matrix(src_h, size[0], keep), geometric_resize_matrix(src_w, size[1], keep)
    elif (src_h, src_w) == tuple(size):
        return grid
    else:
        rows, cols = _cached_resize_matrix(src_h, size[0]), _cached_resize_matrix(src_w, size[1])
    return rows.to(grid) @ grid @ cols.to(grid).T


def relative_index(h: Union[int, torch.Tensor], w: Union[int, torch.Tensor], device: torch.device) -> torch.Tensor:
    """``(N * N, )`` positions in a flattened ``(2h - 1, 2w - 1)`` grid of the offset (dy, dx) between each query and
    each key of an ``h x w`` map (row-major, timm's ``gen_relative_position_index``)."""
    dy, dx = torch.arange(h, device=device), torch.arange(w, device=device)
    rows = dy[:, None] - dy[None, :] + h - 1  # (y_q, y_k)
    cols = dx[:, None] - dx[None, :] + w - 1  # (x_q, x_k)
    return (rows[:, None, :, None] * (2 * w - 1) + cols[None, :, None, :]).reshape(-1)


_cached_relative_index = lru_cache(maxsize=4)(relative_index)  # N^2 int64: 141 MB at 50x84


def relative_bias(grid: torch.Tensor, hw: Tuple[int, int]) -> torch.Tensor:
    """``(1, heads, N, N)`` attention bias of an ``h x w`` token map from a grid ``(heads, 2h - 1, 2w - 1)`` indexed
    by the offset between query and key: one ``index_select`` of the flat grid (a few times faster than timm's
    gather and transpose at detection sizes, forward and backward); the index is cached for the last sizes."""
    h, w = hw
    if torch.jit.is_tracing():  # the map's size follows the input
        index = relative_index(h, w, grid.device)
    else:
        index = _cached_relative_index(int(h), int(w), grid.device)
    return grid.reshape(grid.shape[0], -1).index_select(1, index).view(1, grid.shape[0], h * w, h * w)


class RelPosBias(nn.Module):
    """A learned bias per head and offset (timm's ``RelPosBias``), ``((2h - 1) (2w - 1), heads)`` for the pretraining
    map ``(h, w)``; for another map the table is resized to it."""

    def __init__(self, num_heads: int, pretrain_map: Tuple[int, int]):
        super().__init__()
        self.pretrain_map = tuple(pretrain_map)
        rows = (2 * pretrain_map[0] - 1) * (2 * pretrain_map[1] - 1)
        self.relative_position_bias_table = nn.Parameter(torch.zeros(rows, num_heads))
        trunc_normal_(self.relative_position_bias_table, std=.02)

    def forward(self, hw: Tuple[int, int]) -> torch.Tensor:
        h, w = self.pretrain_map
        grid = self.relative_position_bias_table.T.reshape(-1, 2 * h - 1, 2 * w - 1)
        return relative_bias(resize_rel_pos_grid(grid, (2 * hw[0] - 1, 2 * hw[1] - 1)), hw)


class RelPosMlp(nn.Module):
    """The bias as an MLP of the log-spaced offsets (timm's ``RelPosMlp``, mode ``'cr'``): any map has one, the MLP
    evaluated at its offsets; no table to resize."""

    def __init__(self, num_heads: int, hidden: int):
        super().__init__()
        self.mlp = nn.Sequential(OrderedDict(fc1=nn.Linear(2, hidden), act=nn.ReLU(), drop=nn.Dropout(0.125),
                                             fc2=nn.Linear(hidden, num_heads)))

    def forward(self, hw: Tuple[int, int]) -> torch.Tensor:
        dy = torch.arange(1 - hw[0], hw[0], device=self.mlp.fc1.weight.device, dtype=torch.float32)
        dx = torch.arange(1 - hw[1], hw[1], device=dy.device, dtype=torch.float32)
        coords = torch.stack(torch.meshgrid(dy, dx, indexing='ij'), dim=-1)
        coords = (coords.sign() * coords.abs().log1p()).to(self.mlp.fc1.weight.dtype)
        return relative_bias(self.mlp(coords).permute(2, 0, 1), hw)


class RelPosAttention(nn.Module):
    """Multi-head self-attention with a relative position bias on an NCHW map (timm's ``Attention2d``; heads first
    in the qkv channels), over the whole map or in ``window_size`` windows.

    Windows: the map is zero-padded at the bottom / right to a multiple of the window, attended window by window
    with the padded keys masked (so a window attends over the map's tokens only, with the table's offsets as
    trained) and cropped back; a map of exactly one window attends as a whole.
    """

    def __init__(self, dim: int, dim_out: int, dim_head: int, expand_first: bool, rel_pos: str, rel_pos_dim: int,
                 pretrain_map: Tuple[int, int], window_size: int, attn_drop: float, fused_attn: bool):
        super().__init__()
        dim_attn = dim_out if expand_first else dim
        if dim_attn % dim_head:
            raise ValueError(f'CoAtNet attention width {dim_attn} is not a multiple of dim_head {dim_head}')
        self.num_heads, self.dim_head = dim_attn // dim_head, dim_head
        self.scale = dim_head**-0.5
        self.window_size, self.attn_drop, self.fused_attn = window_size, attn_drop, fused_attn
        self.qkv = nn.Conv2d(dim, dim_attn * 3, 1)
        self.rel_pos = (RelPosMlp(self.num_heads, rel_pos_dim) if rel_pos == 'mlp' else
                        RelPosBias(self.num_heads, pretrain_map))
        self.proj = nn.Conv2d(dim_attn, dim_out, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, C, H, W = x.shape
        ws = self.window_size
        if ws and not torch.jit.is_tracing() and (H, W) == (ws, ws):
            ws = 0  # one window: the whole map
        if ws:  # windows as a batch of maps
            windows, padded_hw = window_partition(x.permute(0, 2, 3, 1), ws)
            x = windows.view(-1, ws, ws, C).permute(0, 3, 1, 2)
        b, _, h, w = x.shape
        if ws:
            h, w = ws, ws  # static: traced, only the global map's size follows the input
        # the heads' q, k, v, channels last: a view of the qkv map where it is stored channels-last
        qkv = pointwise(self.qkv, x).permute(0, 2, 3, 1).reshape(b, h * w, self.num_heads, 3 * self.dim_head)
        qkv = qkv.transpose(1, 2)
        q, k, v = qkv.chunk(3, dim=-1)  # each (b, heads, N, dim_head)
        bias = self.rel_pos((h, w)).to(q.dtype)
        if ws and (torch.jit.is_tracing() or padded_hw != (H, W)):  # the padded keys take no attention
            bias = (bias + padded_key_mask((H, W), ws, q)).repeat(B, 1, 1, 1)
        x = scaled_dot_product(q, k, v, self.scale, self.fused_attn, self.attn_drop if self.training else 0., bias)
        x = x.transpose(1, 2).reshape(b, h, w, -1)
        if ws:
            x = window_unpartition(x.view(b, h * w, -1), ws, padded_hw, (H, W))
        return pointwise(self.proj, x.permute(0, 3, 1, 2))


class LayerScale2d(nn.Module):
    """A learned per-channel gain (timm's ``LayerScale2d``)."""

    def __init__(self, dim: int, value: float):
        super().__init__()
        self.gamma = nn.Parameter(torch.full((dim, ), float(value)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.gamma.view(1, -1, 1, 1)


class TransformerBlock(nn.Module):
    """Pre-norm attention and MLP on NCHW maps (timm's ``TransformerBlock2d``). With stride 2 the shortcut pools
    and projects, the attention branch pools after its norm."""

    def __init__(self, dim: int, dim_out: int, stride: int, arch: dict, pretrain_map: Tuple[int, int],
                 window_size: int, drop_path: float, attn_drop: float, fused_attn: bool):
        super().__init__()

        def norm(channels):
            if arch['transformer_norm'] == 'bn':
                return nn.BatchNorm2d(channels, eps=1e-6)
            return LayerNorm2d(channels, eps=1e-6)

        if stride == 2:
            self.shortcut = Downsample(dim, dim_out, arch['pool_type'], arch['shortcut_bias'])
            self.norm1 = nn.Sequential(OrderedDict(norm=norm(dim), down=Downsample(dim, dim, arch['pool_type'])))
        else:
            self.shortcut, self.norm1 = nn.Identity(), norm(dim)
        self.attn = RelPosAttention(dim, dim_out, arch['dim_head'], arch['expand_first'], arch['rel_pos'],
                                    arch['rel_pos_dim'], pretrain_map, window_size, attn_drop, fused_attn)
        scale = arch['layer_scale']
        self.ls1 = LayerScale2d(dim_out, scale) if scale else nn.Identity()
        self.norm2 = norm(dim_out)
        self.mlp = Mlp(dim_out, dim_out * 4, conv=True)
        self.ls2 = LayerScale2d(dim_out, scale) if scale else nn.Identity()
        self.drop_path = DropPath(drop_path) if drop_path > 0 else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.shortcut(x) + self.drop_path(self.ls1(self.attn(self.norm1(x))))
        y = pointwise(self.mlp.fc1, self.norm2(x))
        y = self.mlp.drop(self.mlp.act(y) if needs_autograd(y) else torch.ops.aten.gelu_(y))
        return x + self.drop_path(self.ls2(self.mlp.drop(pointwise(self.mlp.fc2, y))))


_RW = dict(stem_width=(32, 64), conv_act='silu', expand_output=False, output_bias=False, pre_norm_act=True,
           se_act='relu', stride_mode='pool', expand_first=False)  # timm's _rw_coat_cfg
_RW_MAX = dict(stem_width=(32, 64), conv_act='silu', expand_output=False, stride_mode='dw',
               expand_first=False)  # timm's _rw_max_cfg (its nano models)
_D64, _D96, _D128, _D192 = ((d, 2 * d, 4 * d, 8 * d) for d in (64, 96, 128, 192))


def _rw(base: dict, depths: Tuple[int, ...], dims: Tuple[int, ...], **changes) -> dict:
    """A timm ``_rw`` arch: its config family's settings with the variant's changes."""
    return dict(base, depths=depths, embed_dims=dims, **changes)


@register_backbone
class CoAtNet(PyramidBackbone):
    """CoAtNet backbone giving a feature pyramid (strides 4, 8, 16, 32; the stem's stride-2 map is no output).

    Registered in mmengine's root ``MODELS`` registry (``type='CoAtNet'``). The options shared by every family
    (``out_indices``, ``frozen_stages``, ``norm_eval``, ``with_cp``, ``init_cfg``, the input check) are described in
    :class:`~backbones.models.base.PyramidBackbone`.

    Args:
        arch (str | dict): A name of :attr:`arch_zoo`: the paper's ``'coatnet_0'`` .. ``'coatnet_3'`` (timm's
            paper-like configs, no weights) or timm's ``'coatnet_nano_rw'``, ``'coatnet_0_rw'``, ``'coatnet_1_rw'``,
            ``'coatnet_2_rw'``, ``'coatnet_3_rw'``, ``'coatnet_bn_0_rw'``, ``'coatnet_rmlp_nano_rw'``,
            ``'coatnet_rmlp_1_rw'``, ``'coatnet_rmlp_1_rw2'``, ``'coatnet_rmlp_2_rw'`` (released weights); or a dict
            with ``depths``, ``embed_dims`` and any of :attr:`arch_defaults`. Defaults to ``'coatnet_0_rw'``.
        attn_mode (str | list[list[int]]): ``'global'`` (each attention block over the whole map, its relative
            position resized to the map), ``'window'`` (every block of stages 3 and 4 in windows of
            ``window_size``, the relative position as pretrained), ``'hybrid'`` (as window, the last block of each
            of the two stages global), or one window size per block (0 = global; stages 3 and 4 only).
            Defaults to ``'global'``.
        window_size (int, optional): Window side in tokens of the windowed stage; None: each attention stage's map
            at ``pretrain_img_size`` (14 in stage 3, 7 in stage 4 for 224), where the pretrained table is used
            exactly. Defaults to None.
        pretrain_img_size (int): Input side the relative positions are sized for (the checkpoint's training size).
            Defaults to 224.
        drop_path_rate (float): Stochastic depth, linearly increasing over all blocks.
        attn_drop_rate (float): Attention dropout.
        fused_attn (bool): ``F.scaled_dot_product_attention`` (True) or the explicit math path.
        channels_last (bool): Store the maps channels-last and run the 1x1 convolutions as matrix products over the
            channels (faster on CPU, docs/coatnet.md); False keeps NCHW. Same values up to float rounding; outputs
            are contiguous NCHW either way. Defaults to True.
        out_norm_cfg (dict, optional): Norm of each requested output (``LN``, ``BN``, ``SyncBN``), or None for
            timm's stage outputs as they are (timm has no per-stage norm). Defaults to None.
    """

    arch_zoo: Dict[str, dict] = {
        # the paper's configs as timm builds them (coatnet_0 .. coatnet_3, no released weights)
        'coatnet_0': dict(depths=(2, 3, 5, 2), embed_dims=_D96, stem_width=(64, 64)),
        'coatnet_1': dict(depths=(2, 6, 14, 2), embed_dims=_D96, stem_width=(64, 64)),
        'coatnet_2': dict(depths=(2, 6, 14, 2), embed_dims=_D128, stem_width=(128, 128)),
        'coatnet_3': dict(depths=(2, 6, 14, 2), embed_dims=_D192, stem_width=(192, 192)),
        # timm's variants with released weights
        'coatnet_nano_rw': _rw(_RW_MAX, (3, 4, 6, 3), _D64, stride_mode='pool'),
        'coatnet_0_rw': _rw(_RW, (2, 3, 7, 2), _D96, se_early=True, shortcut_bias=False),
        'coatnet_1_rw': _rw(_RW, (2, 6, 14, 2), _D96, stride_mode='dw', se_early=True, shortcut_bias=False),
        'coatnet_2_rw': _rw(_RW, (2, 6, 14, 2), _D128, stem_width=(64, 128), stride_mode='dw', se_act='silu'),
        'coatnet_3_rw': _rw(_RW, (2, 6, 14, 2), _D192, stem_width=(96, 192), stride_mode='dw', se_act='silu',
                            layer_scale=1e-6),
        'coatnet_bn_0_rw': _rw(_RW, (2, 3, 7, 2), _D96, stride_mode='dw', se_early=True, shortcut_bias=False,
                               transformer_norm='bn'),
        'coatnet_rmlp_nano_rw': _rw(_RW_MAX, (3, 4, 6, 3), _D64, rel_pos='mlp', rel_pos_dim=384),
        'coatnet_rmlp_1_rw': _rw(_RW, (2, 6, 14, 2), _D96, pool_type='max', se_early=True, shortcut_bias=False,
                                 rel_pos='mlp', rel_pos_dim=384),
        'coatnet_rmlp_1_rw2': _rw(_RW, (2, 6, 14, 2), _D96, stride_mode='dw', rel_pos='mlp'),
        'coatnet_rmlp_2_rw': _rw(_RW, (2, 6, 14, 2), _D128, stem_width=(64, 128), stride_mode='dw', se_act='silu',
                                 layer_scale=1e-6, rel_pos='mlp'),
    }
    arch_required = ('depths', 'embed_dims')
    # the paper's (timm's MaxxVitConvCfg / MaxxVitTransformerCfg defaults)
    arch_defaults = dict(stem_width=(64, 64), stem_bias=False, conv_act='gelu', expand_output=True, stride_mode='dw',
                         pool_type='avg2', down_pool_type='avg2', pre_norm_act=False, output_bias=True,
                         se_early=False, se_act='silu', se_ratio=0.25, dim_head=32, expand_first=True,
                         shortcut_bias=True, transformer_norm='ln', layer_scale=None, rel_pos='bias', rel_pos_dim=512)
    windowable_stages = (2, 3)
    window_stages = (2, 3)
    classifier_keys = ('head.', 'norm.')  # timm's classifier and its final norm (not on the stage path)
    default_init_cfg = [
        dict(type='Kaiming', layer='Conv2d', mode='fan_out', nonlinearity='relu', distribution='normal'),
        dict(type='TruncNormal', layer='Linear', std=.02, bias=0.),
    ]

    def __init__(self,
                 arch: Union[str, dict] = 'coatnet_0_rw',
                 attn_mode: Union[str, Sequence[Sequence[int]]] = 'global',
                 window_size: Optional[int] = None,
                 pretrain_img_size: int = 224,
                 in_channels: int = 3,
                 out_indices: Union[int, Sequence[int]] = (0, 1, 2, 3),
                 frozen_stages: int = -1,
                 norm_eval: bool = False,
                 with_cp: Union[bool, Sequence[Union[bool, int]]] = False,
                 drop_path_rate: float = 0.,
                 attn_drop_rate: float = 0.,
                 fused_attn: bool = True,
                 channels_last: bool = True,
                 out_norm_cfg: Optional[dict] = None,
                 init_cfg: Optional[Union[dict, List[dict]]] = None):
        if isinstance(pretrain_img_size, bool) or not isinstance(pretrain_img_size, int) or pretrain_img_size < 32:
            raise ValueError(f'pretrain_img_size must be an int >= 32 (the checkpoint\'s input side), '
                             f'got {pretrain_img_size!r}')
        side = pretrain_img_size // 2  # the maps timm sizes its tables for: the stem's floor, then ceil per stage
        self.pretrain_maps = []
        for _ in range(4):
            side = (side - 1) // 2 + 1
            self.pretrain_maps.append((side, side))
        # None: each attention stage's own pretraining map (a per-stage tuple for resolve_window_sizes)
        per_stage = tuple(m[0] for m in self.pretrain_maps) if window_size is None else window_size
        super().__init__(arch, attn_mode, per_stage, in_channels, out_indices, frozen_stages, norm_eval, with_cp,
                         init_cfg, out_norm_cfg)
        self.pretrain_img_size, self.channels_last = pretrain_img_size, channels_last
        arch = self.arch
        self.stem = Stem(in_channels, arch['stem_width'], arch['conv_act'], arch['stem_bias'])
        dpr = torch.linspace(0, drop_path_rate, sum(s.depth for s in self.stages), device='cpu').tolist()
        in_dim = arch['stem_width'][1]
        for i, stage in enumerate(self.stages):
            blocks = []
            for j in range(stage.depth):
                rate, stride = dpr.pop(0), 2 if j == 0 else 1
                if i < 2:
                    blocks.append(MbConvBlock(in_dim, stage.channels, stride, arch, rate))
                else:
                    blocks.append(TransformerBlock(in_dim, stage.channels, stride, arch, self.pretrain_maps[i],
                                                   self.window_sizes[i][j], rate, attn_drop_rate, fused_attn))
                in_dim = stage.channels
            setattr(self, stage.blocks, nn.ModuleList(blocks))
            if i in self.out_indices:
                self.build_out_norm(stage)
        self._freeze_stages()

    @classmethod
    def check_arch(cls, arch: dict) -> None:
        choices = dict(conv_act=tuple(ACTIVATIONS), se_act=tuple(ACTIVATIONS), stride_mode=('dw', 'pool'),
                       pool_type=('avg2', 'max'), down_pool_type=('avg2', 'max'), transformer_norm=('ln', 'bn'),
                       rel_pos=('bias', 'mlp'))
        for key, valid in choices.items():
            if arch[key] not in valid:
                raise ValueError(f'CoAtNet arch {key}={arch[key]!r}: choose one of {valid}')
        if len(arch['stem_width']) != 2:
            raise ValueError(f'CoAtNet arch stem_width needs the widths of its two convs, got {arch["stem_width"]}')
        if len(arch['embed_dims']) != 4:
            raise ValueError(f'CoAtNet has 4 stages: embed_dims needs 4 entries, got {arch["embed_dims"]}')

    def declare_stages(self) -> Tuple[Tuple[str, ...], List[Stage]]:
        """The stem (``stem``), then per stage its blocks (the first one downsamples) and its output norm."""
        depths, dims = self.stage_depths(self.arch), self.arch['embed_dims']
        return ('stem', ), [Stage(depth=d, channels=c, stride=2**(i + 2), blocks=f'blocks{i + 1}',
                                  out_norm=f'norm{i + 1}') for i, (d, c) in enumerate(zip(depths, dims))]

    @classmethod
    def hybrid_global(cls, index: int, depth: int) -> bool:
        """In ``'hybrid'`` mode the last block of each attention stage attends globally."""
        return index == depth - 1

    @classmethod
    def resolve_window_sizes(cls, depths: Sequence[int], attn_mode: Union[str, Sequence[Sequence[int]]],
                             window_size: Union[int, Tuple[int, ...]] = 14) -> List[List[int]]:
        """As the base's; a tuple ``window_size`` (what ``window_size=None`` becomes) gives each stage of a named
        mode its own."""
        if not isinstance(window_size, tuple) or not isinstance(attn_mode, str):
            return super().resolve_window_sizes(depths, attn_mode, window_size)
        sizes = super().resolve_window_sizes(depths, attn_mode, 1)
        return [[window_size[i] if w else 0 for w in stage] for i, stage in enumerate(sizes)]

    def prepare_input(self, x: torch.Tensor) -> torch.Tensor:
        return x.contiguous(memory_format=torch.channels_last) if self.channels_last else x

    def forward_stage(self, stage: int, x: torch.Tensor, carry: dict) -> torch.Tensor:
        if stage == 0:
            x = self.stem(x)
        for j, block in enumerate(getattr(self, self.stages[stage].blocks)):
            x = self.call_block(stage, j, block, x)
        return x

    # ---- checkpoints ----------------------------------------------------------------------------
    @staticmethod
    def convert_checkpoint(state_dict: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        """timm's ``stages.{i}.blocks.{j}.*`` -> ``blocks{i + 1}.{j}.*``; every other name is timm's already."""
        out = {}
        for key, value in state_dict.items():
            match = re.match(r'stages\.(\d+)\.blocks\.(.*)', key)
            out[f'blocks{int(match[1]) + 1}.{match[2]}' if match else key] = value
        return out

    def fit_state_dict(self, state_dict: Dict[str, torch.Tensor], notes: List[str]) -> Dict[str, torch.Tensor]:
        """Bias tables trained at another input size are resized to this model's ``pretrain_img_size`` maps (timm's
        ``resize_rel_pos_bias_table``, as its checkpoint filter)."""
        own = dict(self.named_parameters())
        resized = []
        for key, table in state_dict.items():
            if not key.endswith(TABLE_KEY) or key not in own or table.shape == own[key].shape:
                continue
            side = math.isqrt(table.shape[0])
            if table.dim() != 2 or side * side != table.shape[0] or table.shape[1] != own[key].shape[1]:
                continue  # left for load_state_dict to refuse, naming the key and both shapes
            h, w = self.get_submodule(key[:-len(TABLE_KEY) - 1]).pretrain_map
            grid = resize_rel_pos_grid(table.T.reshape(-1, side, side).float(), (2 * h - 1, 2 * w - 1))
            state_dict[key] = grid.reshape(table.shape[1], -1).T.to(table.dtype)
            resized.append(key)
        if resized:
            notes.append(f'{len(resized)} relative position tables resized to the {self.pretrain_img_size} input '
                         f'maps (pretrain_img_size): {resized[:2]}...')
        return state_dict

    @classmethod
    def describe_state_dict(cls, state_dict: Dict[str, torch.Tensor]) -> Optional[dict]:
        if 'stem.conv2.weight' not in state_dict or not all(f'blocks{s}.0.norm2.weight' in state_dict
                                                             for s in range(1, 5)):
            return None
        depths = [count_blocks(state_dict, f'blocks{s}') for s in range(1, 5)]
        dims = [int(state_dict[f'blocks{s}.0.norm2.weight'].shape[0]) for s in (3, 4)]
        dims = [int(state_dict[f'blocks{s}.0.conv3_1x1.weight'].shape[0]) for s in (1, 2)] + dims
        stem = [int(state_dict[f'stem.conv{i}.weight'].shape[0]) for i in (1, 2)]
        rel_pos = 'mlp' if any('.attn.rel_pos.mlp.' in k for k in state_dict) else 'bias'
        return dict(depths=depths, embed_dims=dims, stem_width=stem, rel_pos=rel_pos)

    @classmethod
    def describe_arch(cls, arch: dict) -> dict:
        return dict(depths=list(arch['depths']), embed_dims=list(arch['embed_dims']),
                    stem_width=list(arch['stem_width']), rel_pos=arch['rel_pos'])
