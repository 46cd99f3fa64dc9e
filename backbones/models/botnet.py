"""BoTNet (Bottleneck Transformers) for dense prediction: BoT50 and timm's BoTNet variants.

Bottleneck Transformers for Visual Recognition (CVPR 2021, https://arxiv.org/abs/2101.11605). The authors released
no PyTorch code and no weights; the weights people use are timm's (``timm/models/byoanet.py`` on ``byobnet.py``,
the attention in ``timm/layers/bottleneck_attn.py``). Two layouts share one attention module:

- ``bot50`` (the paper): ResNet-50 with multi-head self-attention (4 heads, 2-D relative position logits) in place
  of the 3x3 convolution of all three c5 bottlenecks; the first attends at stride 16 and a 2x2 average pool gives
  its stride 2; BatchNorm + ReLU after the attention. Names are torchvision's / mmdet's ResNet-50 (``conv1``,
  ``bn1``, ``layer{i}.{j}.conv1`` ..., ``downsample.{0,1}``), the attention is ``layer4.{j}.self_attn`` (timm's
  name): an ImageNet ResNet-50 file loads every non-attention layer, ``layer4.*.conv2`` is reported unused and the
  attention fresh.
- timm's ``botnet26t``, ``sebotnet33ts``, ``eca_botnext26ts`` (released ImageNet weights at 256) and
  ``botnet50ts`` (untrained): a tiered 3-conv stem, bottleneck and self-attention blocks, SE / ECA, SiLU, grouped
  3x3 convolutions, an optional ``final_conv``. timm's names are kept (``stem.*``, ``final_conv.*``, blocks'
  ``conv1_1x1`` ... ``self_attn.pos_embed.height_rel``) except that timm's ``stages.{i}`` is ``layer{i + 1}`` here
  (the base reserves ``stages`` for the declaration): the converter renames, so timm state dicts load unchanged.

The relative tables are sized to the map each attention block was trained at (``pretrain_img_size`` divided by
the block's input stride). Other maps: ``attn_mode='global'`` resizes them linearly to the map (detectron2's
``get_rel_pos``); ``'window'`` attends in windows of the trained map (the tables reused exactly; windows padded,
padded keys masked); ``'hybrid'`` windows all but the last attention block of each stage; or one window size per
block. docs/botnet.md says what changes against timm (which asserts the trained size) and why.
"""
import math
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmcv.cnn import build_norm_layer
from mmcv.cnn.bricks import DropPath
from mmengine.model.weight_init import trunc_normal_

from ..layers import (AvgPool2x2, SqueezeExcite, make_divisible, padded_key_mask, resize_decomposed_rel_pos,
                      scaled_dot_product, window_partition, window_unpartition)
from ..layers.fused import needs_autograd
from ..layers.pos_embed import decomposed_rel_pos_bias
from ..state_dicts import count_blocks
from .base import ATTN_MODES, PyramidBackbone, Stage, register_backbone

LAYOUTS = ('resnet', 'byob')
BYOB_OPTIONS = ('stem_channels', 'stem_pool', 'bottle_ratios', 'group_size', 'channel_attn', 'act', 'final_channels')
# tokens per attention up to which CPU training takes the explicit product (BottleneckAttention.attend)
SMALL_MAP = 256
ACTS = {'relu': nn.ReLU, 'silu': nn.SiLU}


_TIMM = dict(layout='byob', channels=[256, 512, 1024, 2048], stem_channels=[24, 32, 64], stem_pool=True,
             pretrain_img_size=256)
ARCH_ZOO = {
    'bot50': dict(layout='resnet', depths=[3, 4, 6, 3], channels=[256, 512, 1024, 2048],
                  attn_blocks=[[], [], [], [0, 1, 2]], pretrain_img_size=1024),
    'botnet26t': dict(_TIMM, depths=[2, 2, 2, 2], attn_blocks=[[], [], [1], [0, 1]]),
    'sebotnet33ts': dict(_TIMM, depths=[2, 3, 3, 2], channels=[256, 512, 1024, 1536],
                         attn_blocks=[[], [2], [2], [0, 1]], stem_pool=False, act='silu', channel_attn='se',
                         bottle_ratios=[.25, .25, .25, .333], final_channels=1280),
    'eca_botnext26ts': dict(_TIMM, depths=[2, 2, 2, 2], attn_blocks=[[], [], [1], [0, 1]], act='silu',
                            channel_attn='eca', group_size=16, dim_head=16),
    'botnet50ts': dict(_TIMM, depths=[3, 4, 6, 3], attn_blocks=[[], [3], [1, 3, 5], [1]], act='silu'),
}
ARCH_ZOO.update({f'{name}_256': ARCH_ZOO[name] for name in ('botnet26t', 'sebotnet33ts', 'eca_botnext26ts',
                                                            'botnet50ts')})


def norm_layer(norm_cfg: dict, channels: int) -> nn.Module:
    return build_norm_layer(norm_cfg, channels)[1]


class ConvNormAct(nn.Module):
    """Convolution (no bias, ``k // 2`` padding) -> norm -> optional activation (timm's ``ConvNormAct`` names)."""

    def __init__(self, in_dim: int, out_dim: int, kernel: int, norm_cfg: dict, act: Optional[type], stride: int = 1,
                 groups: int = 1):
        super().__init__()
        self.conv = nn.Conv2d(in_dim, out_dim, kernel, stride, kernel // 2, groups=groups, bias=False)
        self.bn = norm_layer(norm_cfg, out_dim)
        self.act = act(inplace=True) if act else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.bn(self.conv(x)))


def squeeze_excite(channels: int) -> SqueezeExcite:
    """timm's ``SEModule`` as BoTNet uses it: ``channels / 16`` rounded to 8, ReLU."""
    return SqueezeExcite(channels, make_divisible(channels / 16, 8, round_limit=0.), nn.ReLU)


class EfficientChannelAttention(nn.Module):
    """timm's ``EcaModule``: a 1-D convolution (``conv``, odd kernel from the channel count) over the channel means,
    sigmoid gate."""

    def __init__(self, channels: int):
        super().__init__()
        t = int(abs(math.log(channels, 2) + 1) / 2)
        kernel = max(t if t % 2 else t + 1, 3)
        self.conv = nn.Conv1d(1, 1, kernel, padding=(kernel - 1) // 2, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        gate = self.conv(x.mean((2, 3)).view(x.shape[0], 1, -1)).sigmoid()
        return x * gate.view(x.shape[0], -1, 1, 1)


CHANNEL_ATTN = {'se': squeeze_excite, 'eca': EfficientChannelAttention}


class RelPosTables(nn.Module):
    """timm's ``PosEmbedRel`` tables: ``height_rel (2H - 1, dim_head)``, ``width_rel (2W - 1, dim_head)`` for an
    ``H x W`` map. Row ``r`` holds the offset ``key - query = r - (S - 1)``: the reverse of the ViTDet / MViTv2
    tables of :func:`~backbones.layers.pos_embed.decomposed_rel_pos` (``query - key``), which :meth:`as_vitdet`
    hands over (linear resizing commutes with the reversal)."""

    def __init__(self, size: int, dim_head: int):
        super().__init__()
        self.height_rel = nn.Parameter(torch.empty(2 * size - 1, dim_head))
        self.width_rel = nn.Parameter(torch.empty(2 * size - 1, dim_head))

    def as_vitdet(self, window: int, hw: Tuple[int, int]) -> Tuple[torch.Tensor, torch.Tensor]:
        """The tables in ViTDet's direction for an ``hw`` map: resized to the window (``2 window - 1`` rows) and
        the central ``2 H - 1`` / ``2 W - 1`` rows taken (the offsets an ``H x W`` map inside it has); with
        ``window`` 0 the tables are left for :func:`decomposed_rel_pos` to resize to the map."""
        tables = []
        for table, side in zip((self.height_rel, self.width_rel), hw):
            table = table.flip(0)
            if window:
                table = resize_decomposed_rel_pos(table, 2 * window - 1)
                if side != window:
                    table = table[window - side:window + side - 1]
            tables.append(table)
        return tables[0], tables[1]


class BottleneckAttention(nn.Module):
    """Multi-head self-attention with 2-D relative position logits over an NCHW map (timm's ``BottleneckAttn``:
    ``qkv`` a 1x1 convolution without bias, head-major channels, q / k heads ``dim_head`` wide, v heads
    ``dim_out / num_heads``; logits ``q k^T / sqrt(dim_head) + q . R_h + q . R_w``), then a 2x2 average pool for
    stride 2 (rounding up on odd maps, as the strided shortcut does).

    Args:
        dim (int): Input channels; also the output channels.
        num_heads (int): Heads.
        dim_head (int, optional): q / k head width; ``make_divisible(dim) // num_heads`` when None.
        table_size (int): Side of the map the relative tables are sized for (the pretraining map).
        stride (int): 1, or 2 for the average pool after the attention.
        window_size (int): 0 attends over the whole map (tables resized to it); else in windows of this side
            (tables resized to it when they differ; the map padded to the window multiple, padded keys masked; a
            map inside one window attends whole with the tables' central rows, the same offsets).
        fused (bool): ``F.scaled_dot_product_attention``; False: timm's op order (parity tests).
    """

    def __init__(self, dim: int, num_heads: int, dim_head: Optional[int], table_size: int, stride: int = 1,
                 window_size: int = 0, fused: bool = True):
        super().__init__()
        if dim % num_heads:
            raise ValueError(f'attention channels {dim} are not a multiple of num_heads {num_heads}')
        self.num_heads = num_heads
        self.dim_head_qk = dim_head or make_divisible(dim) // num_heads
        self.scale = self.dim_head_qk**-0.5
        self.window_size, self.fused = window_size, fused
        self.qkv = nn.Conv2d(dim, 2 * num_heads * self.dim_head_qk + dim, 1, bias=False)
        self.pos_embed = RelPosTables(table_size, self.dim_head_qk)
        self.pool = AvgPool2x2() if stride == 2 else nn.Identity()

    def reset_parameters(self) -> None:
        trunc_normal_(self.qkv.weight, std=self.qkv.weight.shape[1]**-0.5)
        trunc_normal_(self.pos_embed.height_rel, std=self.scale)
        trunc_normal_(self.pos_embed.width_rel, std=self.scale)

    def split_heads(self, qkv: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Channel-last tokens ``(B, N, C)`` -> q, k, v ``(B, heads, N, head)``."""
        B, N, _ = qkv.shape
        qk = self.num_heads * self.dim_head_qk
        q, k, v = qkv.split([qk, qk, qkv.shape[-1] - 2 * qk], dim=-1)
        return tuple(t.view(B, N, self.num_heads, -1).transpose(1, 2) for t in (q, k, v))

    def attend(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, hw: Tuple[int, int], window: int,
               key_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        rel_h, rel_w = self.pos_embed.as_vitdet(window, hw)
        bias = decomposed_rel_pos_bias(q, rel_h, rel_w, hw)
        if key_mask is not None:
            bias = (bias.view(-1, key_mask.shape[0], *bias.shape[1:]) + key_mask).flatten(0, 1)
        # CPU training on small maps: SDPA's backward with a bias costs several times the explicit product there
        # (8x8 tokens, 128-wide heads: 10 ms against 1.8; from 25x40 on SDPA is faster; docs/botnet.md)
        small = q.device.type == 'cpu' and q.shape[2] <= SMALL_MAP and needs_autograd(q, rel_h)
        return scaled_dot_product(q, k, v, self.scale, self.fused and not small, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, _, H, W = x.shape
        qkv = self.qkv(x)
        w = self.window_size
        if w and (torch.jit.is_tracing() or H > w or W > w):  # traced: windows follow the input size
            windows, padded = window_partition(qkv.permute(0, 2, 3, 1), w)
            key_mask = None
            if torch.jit.is_tracing() or padded != (H, W):  # padded keys masked
                key_mask = padded_key_mask((H, W), w, qkv)
            out = self.attend(*self.split_heads(windows), (w, w), w, key_mask)
            out = out.transpose(1, 2).reshape(windows.shape[0], w * w, -1)
            out = window_unpartition(out, w, padded, (H, W)).permute(0, 3, 1, 2)
        else:
            out = self.attend(*self.split_heads(qkv.flatten(2).transpose(1, 2)), (H, W), w)
            out = out.transpose(-1, -2).reshape(B, -1, H, W)
        return self.pool(out)


class ResNetBottleneck(nn.Module):
    """torchvision's / mmdet's ResNet bottleneck (stride in the 3x3, names ``conv1`` / ``bn1`` ... ``downsample``);
    with ``attention``, BoT50's block: the attention (``self_attn``) in place of ``conv2``, then ``bn2`` and ReLU."""

    def __init__(self, in_dim: int, out_dim: int, stride: int, norm_cfg: dict, drop_path: float,
                 attention: Optional[BottleneckAttention] = None):
        super().__init__()
        mid = out_dim // 4
        self.conv1 = nn.Conv2d(in_dim, mid, 1, bias=False)
        self.bn1 = norm_layer(norm_cfg, mid)
        if attention is None:
            self.conv2 = nn.Conv2d(mid, mid, 3, stride, 1, bias=False)
        else:
            self.self_attn = attention
        self.bn2 = norm_layer(norm_cfg, mid)
        self.conv3 = nn.Conv2d(mid, out_dim, 1, bias=False)
        self.bn3 = norm_layer(norm_cfg, out_dim)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or in_dim != out_dim:
            self.downsample = nn.Sequential(nn.Conv2d(in_dim, out_dim, 1, stride, bias=False),
                                            norm_layer(norm_cfg, out_dim))
        self.drop_path = DropPath(drop_path) if drop_path > 0 else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.self_attn(out) if hasattr(self, 'self_attn') else self.conv2(out)))
        out = self.drop_path(self.bn3(self.conv3(out)))
        return self.relu(out + (x if self.downsample is None else self.downsample(x)))


class ByobBlock(nn.Module):
    """timm's ``BottleneckBlock`` (1x1 -> kxk (grouped) -> SE / ECA -> 1x1) or, with ``attention``, its
    ``SelfAttnBlock`` (1x1 -> attention -> ``post_attn`` norm + act -> 1x1); a 1x1 strided ``shortcut``
    (conv + norm) where the shape changes."""

    def __init__(self, in_dim: int, out_dim: int, stride: int, bottle_ratio: float, group_size: int,
                 channel_attn: Optional[str], act: type, norm_cfg: dict, drop_path: float,
                 attention: Optional[BottleneckAttention] = None):
        super().__init__()
        mid = make_divisible(out_dim * bottle_ratio)
        self.shortcut = None
        if stride != 1 or in_dim != out_dim:
            self.shortcut = ConvNormAct(in_dim, out_dim, 1, norm_cfg, None, stride)
        self.conv1_1x1 = ConvNormAct(in_dim, mid, 1, norm_cfg, act)
        if attention is None:
            self.conv2_kxk = ConvNormAct(mid, mid, 3, norm_cfg, act, stride, mid // group_size if group_size else 1)
            self.attn = CHANNEL_ATTN[channel_attn](mid) if channel_attn else nn.Identity()
        else:
            self.self_attn = attention
            self.post_attn = norm_layer(norm_cfg, mid)
            self.post_act = act(inplace=True)
        self.conv3_1x1 = ConvNormAct(mid, out_dim, 1, norm_cfg, None)
        self.drop_path = DropPath(drop_path) if drop_path > 0 else nn.Identity()
        self.act = act(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv1_1x1(x)
        if hasattr(self, 'self_attn'):
            out = self.post_act(self.post_attn(self.self_attn(out)))
        else:
            out = self.attn(self.conv2_kxk(out))
        out = self.drop_path(self.conv3_1x1(out))
        return self.act(out + (x if self.shortcut is None else self.shortcut(x)))


class ByobStem(nn.Module):
    """timm's tiered stem: three 3x3 ConvNormAct (``conv1`` stride 2, ``conv2``, ``conv3``) to ``channels``, then
    a 3x3 stride-2 max pool (``pool``), or ``conv3`` strided instead."""

    def __init__(self, in_channels: int, channels: Sequence[int], pool: bool, act: type, norm_cfg: dict):
        super().__init__()
        strides = (2, 1, 1) if pool else (2, 1, 2)
        dims = [in_channels] + list(channels)
        for i, s in enumerate(strides):
            setattr(self, f'conv{i + 1}', ConvNormAct(dims[i], dims[i + 1], 3, norm_cfg, act, s))
        self.pool = nn.MaxPool2d(3, 2, 1) if pool else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(self.conv3(self.conv2(self.conv1(x))))


@register_backbone
class BoTNet(PyramidBackbone):
    """BoTNet: ResNet bottlenecks with multi-head self-attention and relative position logits in place of the 3x3
    convolution of chosen blocks. Strides 4 / 8 / 16 / 32, one map per stage.

    Args:
        arch (str | dict): ``bot50`` (the paper), ``botnet26t``, ``sebotnet33ts``, ``eca_botnext26ts``,
            ``botnet50ts`` (timm's; ``*_256`` aliases) or a dict: ``layout`` (``'resnet'``: torchvision names, the
            7x7 stem; ``'byob'``: timm's), ``depths``, ``channels`` (each stage's output), ``attn_blocks`` (per
            stage, the indices of the attention blocks), and for ``byob`` ``stem_channels``, ``stem_pool``,
            ``bottle_ratios``, ``group_size``, ``channel_attn`` (None, ``'se'``, ``'eca'``), ``act``
            (``'relu'``, ``'silu'``), ``final_channels`` (a 1x1 ``final_conv`` on the last stage, 0 for none);
            ``num_heads``, ``dim_head`` and ``pretrain_img_size`` (the training size that sizes the tables).
        pretrain_img_size (int, optional): Overrides the arch's: each attention block's tables are sized for this
            input divided by its input stride (the first c5 block of bot50 attends at stride 16). Defaults to the
            arch's: 256 for timm's (their ImageNet size), 1024 for bot50 (the paper's detection training size; no
            BoT50 weights exist, its tables start fresh).
        attn_mode (str | list[list[int]]): ``'global'`` (tables resized to the map), ``'window'`` (every
            attention block in windows), ``'hybrid'`` (windows but the last attention block of each stage global)
            or a window size per block (0 = global; only attention blocks take one). Defaults to ``'global'``.
        window_size (int, optional): The window side; None: each block's pretraining map (its tables reused
            exactly). Defaults to None.
        norm_cfg (dict): Norm of every block (``BN``, ``SyncBN``; ``requires_grad``). Defaults to BN.
        drop_path_rate (float): Stochastic depth, rising linearly over the blocks. Defaults to 0.
        fused_attn (bool): ``F.scaled_dot_product_attention``; False runs timm's op order. Defaults to True.
        in_channels, out_indices, frozen_stages, norm_eval, with_cp, out_norm_cfg, init_cfg: as
            :class:`~backbones.models.base.PyramidBackbone` (``frozen_stages=1``: the stem and ``layer1``, as mmdet's
            ResNet; no output norms unless ``out_norm_cfg`` asks).
    """

    arch_zoo = ARCH_ZOO
    arch_required = ('layout', 'depths', 'channels', 'attn_blocks')
    arch_defaults = dict(stem_channels=64, stem_pool=True, bottle_ratios=[.25] * 4, group_size=0, channel_attn=None,
                         act='relu', final_channels=0, num_heads=4, dim_head=None, pretrain_img_size=224)
    windowable_stages = window_stages = (0, 1, 2, 3)  # where an arch has attention blocks (checked per block)
    classifier_keys = ('head.', 'fc.')

    def __init__(self,
                 arch: Union[str, dict] = 'bot50',
                 pretrain_img_size: Optional[int] = None,
                 attn_mode: Union[str, Sequence[Sequence[int]]] = 'global',
                 window_size: Optional[int] = None,
                 in_channels: int = 3,
                 out_indices: Union[int, Sequence[int]] = (0, 1, 2, 3),
                 frozen_stages: int = -1,
                 norm_eval: bool = False,
                 norm_cfg: dict = dict(type='BN', requires_grad=True),
                 drop_path_rate: float = 0.,
                 fused_attn: bool = True,
                 with_cp: Union[bool, Sequence[Union[bool, int]]] = False,
                 out_norm_cfg: Optional[dict] = None,
                 init_cfg: Optional[Union[dict, List[dict]]] = None):
        resolved = self.resolve_arch(arch)
        size = resolved['pretrain_img_size'] if pretrain_img_size is None else pretrain_img_size
        if isinstance(size, bool) or not isinstance(size, int) or size < 32:
            raise ValueError(f'pretrain_img_size must be an int >= 32 (the square training input that sized the '
                             f'relative tables), got {size!r}')
        self.pretrain_img_size = size
        super().__init__(arch, attn_mode, window_size, in_channels, out_indices, frozen_stages, norm_eval, with_cp,
                         init_cfg, out_norm_cfg)
        a = self.arch
        act = ACTS[a['act']]
        if a['layout'] == 'resnet':
            self.conv1 = nn.Conv2d(in_channels, 64, 7, 2, 3, bias=False)
            self.bn1 = norm_layer(norm_cfg, 64)
            self.relu = nn.ReLU(inplace=True)
            self.maxpool = nn.MaxPool2d(3, 2, 1)
            in_dim = 64
        else:
            self.stem = ByobStem(in_channels, a['stem_channels'], a['stem_pool'], act, norm_cfg)
            in_dim = a['stem_channels'][-1]
        dpr = torch.linspace(0, drop_path_rate, sum(a['depths'])).tolist()
        tables = self.table_sizes()
        for i, (depth, dim) in enumerate(zip(a['depths'], a['channels'])):
            blocks = []
            for j in range(depth):
                stride = 2 if i and not j else 1
                attention = None
                if j in a['attn_blocks'][i]:
                    mid = dim // 4 if a['layout'] == 'resnet' else make_divisible(dim * a['bottle_ratios'][i])
                    attention = BottleneckAttention(mid, a['num_heads'], a['dim_head'], tables[i][j], stride,
                                                    self.window_sizes[i][j], fused_attn)
                drop = dpr[sum(a['depths'][:i]) + j]
                if a['layout'] == 'resnet':
                    blocks.append(ResNetBottleneck(in_dim, dim, stride, norm_cfg, drop, attention))
                else:
                    blocks.append(ByobBlock(in_dim, dim, stride, a['bottle_ratios'][i], a['group_size'],
                                            a['channel_attn'], act, norm_cfg, drop, attention))
                in_dim = dim
            setattr(self, f'layer{i + 1}', nn.Sequential(*blocks))
        if a['final_channels']:
            self.final_conv = ConvNormAct(in_dim, a['final_channels'], 1, norm_cfg, act)
        for i in self.out_indices:
            self.build_out_norm(self.stages[i])
        self.reset_parameters()
        self._freeze_stages()

    # ---- the declaration ------------------------------------------------------------------------
    @classmethod
    def check_arch(cls, arch: dict) -> None:
        if arch['layout'] not in LAYOUTS:
            raise ValueError(f'arch layout must be one of {LAYOUTS}, got {arch["layout"]!r}')
        for key in ('depths', 'channels', 'attn_blocks', 'bottle_ratios'):
            if len(arch[key]) != 4:
                raise ValueError(f'BoTNet has 4 stages: arch {key} needs 4 entries, got {arch[key]}')
        for i, (depth, blocks) in enumerate(zip(arch['depths'], arch['attn_blocks'])):
            if any(not 0 <= j < depth for j in blocks):
                raise ValueError(f'attn_blocks[{i}] = {blocks}: stage {i + 1} has blocks 0..{depth - 1}')
        if arch['act'] not in ACTS or arch['channel_attn'] not in (None, *CHANNEL_ATTN):
            raise ValueError(f'act must be one of {sorted(ACTS)} and channel_attn None or one of '
                             f'{sorted(CHANNEL_ATTN)}, got {arch["act"]!r} / {arch["channel_attn"]!r}')
        if arch['layout'] == 'byob' and len(arch['stem_channels']) != 3:
            raise ValueError(f'the byob layout\'s tiered stem has 3 convolutions: stem_channels needs 3 entries, '
                             f'got {arch["stem_channels"]}')
        if arch['layout'] == 'resnet':  # torchvision's ResNet-50 blocks: the byob options would be ignored
            defaults = {k: cls.arch_defaults[k] for k in BYOB_OPTIONS}
            changed = sorted(k for k, v in defaults.items() if arch[k] != v)
            if changed:
                raise ValueError(f'{changed} are options of the byob layout (timm\'s blocks); the resnet layout '
                                 f'(torchvision\'s ResNet-50 blocks) has none of them: drop them or use '
                                 f'layout=\'byob\'')

    def declare_stages(self) -> Tuple[Tuple[str, ...], List[Stage]]:
        a = self.arch
        stem = ('conv1', 'bn1') if a['layout'] == 'resnet' else ('stem', )
        stages = [Stage(depth=d, channels=c, stride=s, blocks=f'layer{i + 1}', out_norm=f'out_norm{i + 1}')
                  for i, (d, c, s) in enumerate(zip(a['depths'], a['channels'], self.strides))]
        if a['final_channels']:
            stages[3] = Stage(depth=a['depths'][3], channels=a['final_channels'], stride=32, blocks='layer4',
                              tail=('final_conv', ), out_norm='out_norm4')
        return stem, stages

    def table_sizes(self) -> List[List[int]]:
        """Per stage and block, the side of the map the block's relative tables are sized for (its input map at
        ``pretrain_img_size``, floor-divided per stride as timm's ``reduce_feat_size``); 0 for convolution
        blocks."""
        side, sizes = self.pretrain_img_size // 4, []
        for i, (depth, blocks) in enumerate(zip(self.arch['depths'], self.arch['attn_blocks'])):
            sizes.append([(side if j == 0 else side // (2 if i else 1)) if j in blocks else 0 for j in range(depth)])
            side //= 2 if i else 1
        return sizes

    def resolve_window_sizes(self, depths: Sequence[int], attn_mode: Union[str, Sequence[Sequence[int]]],
                             window_size: Optional[int] = None) -> List[List[int]]:
        """Per stage and block, the window side (0 = global); only attention blocks attend in windows, of
        ``window_size`` or, when None, of the map their tables were trained at."""
        tables = self.table_sizes()
        attn_blocks = self.arch['attn_blocks']
        if not isinstance(attn_mode, str):
            sizes = super().resolve_window_sizes(depths, attn_mode)
            conv = [(i + 1, j) for i, s in enumerate(sizes) for j, w in enumerate(s) if w and not tables[i][j]]
            if conv:
                raise ValueError(f'only attention blocks attend in windows (per stage {attn_blocks}); (stage, block) '
                                 f'{conv} are convolution blocks: give them 0')
            return sizes
        if attn_mode not in ATTN_MODES:
            super().resolve_window_sizes(depths, attn_mode)  # raises naming the modes
        if attn_mode != 'global' and not any(attn_blocks):
            raise ValueError(f'attn_mode={attn_mode!r} needs attention blocks; this arch has none (attn_blocks '
                             f'{attn_blocks}): use attn_mode=\'global\'')
        if window_size is not None and (isinstance(window_size, bool) or not isinstance(window_size, int)
                                        or window_size < 1):
            raise ValueError(f'window_size must be a positive int (tokens of the attention block\'s map) or None '
                             f'(each block\'s pretraining map), got {window_size!r}.')

        def size(i: int, j: int) -> int:
            if attn_mode == 'global' or not tables[i][j]:
                return 0
            if attn_mode == 'hybrid' and j == max(attn_blocks[i]):
                return 0
            return window_size or tables[i][j]

        return [[size(i, j) for j in range(d)] for i, d in enumerate(depths)]

    # ---- forward --------------------------------------------------------------------------------
    def forward_stage(self, stage: int, x: torch.Tensor, carry: dict) -> torch.Tensor:
        if stage == 0:
            x = self.stem(x) if hasattr(self, 'stem') else self.maxpool(self.relu(self.bn1(self.conv1(x))))
        for j, block in enumerate(getattr(self, f'layer{stage + 1}')):
            x = self.call_block(stage, j, block, x)
        if stage == 3 and hasattr(self, 'final_conv'):
            x = self.final_conv(x)
        return x

    def reset_parameters(self) -> None:
        """timm's / torchvision's initialisation: convolutions normal with std ``sqrt(2 / fan_out)``, norms 1 / 0,
        attention as timm's ``BottleneckAttn`` (no zero-initialised last norm: every layer learns from the start)."""
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Conv1d)):
                nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.modules.batchnorm._BatchNorm) and m.affine:
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        for m in self.modules():
            if isinstance(m, BottleneckAttention):
                m.reset_parameters()

    # ---- checkpoints ----------------------------------------------------------------------------
    @staticmethod
    def convert_checkpoint(state_dict):
        """timm's ``stages.{i}.`` -> ``layer{i + 1}.``; torchvision / mmdet ResNet names are ours already."""
        out = {}
        for k, v in state_dict.items():
            if k.startswith('stages.'):
                i, rest = k[len('stages.'):].split('.', 1)
                k = f'layer{int(i) + 1}.{rest}'
            out[k] = v
        return out

    def fit_state_dict(self, state_dict, notes):
        """Resize relative tables of another size to this instance's; a ResNet file in a resnet layout: drop the
        ``conv2`` of the attention blocks (the attention replaces it)."""
        own = self.state_dict()
        resized = []
        for k in [k for k in state_dict if k.endswith(('.height_rel', '.width_rel'))]:
            if k in own and state_dict[k].shape[0] != own[k].shape[0]:
                state_dict[k] = resize_decomposed_rel_pos(state_dict[k], own[k].shape[0])
                resized.append(k)
        if resized:
            notes.append(f'relative tables resized to this pretrain_img_size ({self.pretrain_img_size}): {resized}')
        replaced = [k for k in state_dict if k.endswith('.conv2.weight') and k not in own
                    and k.replace('.conv2.weight', '.self_attn.qkv.weight') in own]
        if replaced:
            notes.append(f'not used by this backbone (the attention replaces these convolutions): {replaced}')
        return {k: v for k, v in state_dict.items() if k not in replaced}

    def new_in_dense_use(self, key: str) -> bool:
        """BoT50's attention: ImageNet ResNet-50 files (the weights BoT50 starts from) cannot have it."""
        return (self.arch['layout'] == 'resnet' and '.self_attn.' in key) or super().new_in_dense_use(key)

    @classmethod
    def describe_state_dict(cls, state_dict):
        if count_blocks(state_dict, 'layer4') == 0:
            return None
        resnet = 'conv1.weight' in state_dict
        last = 'conv3' if resnet else 'conv3_1x1.conv'
        channels = []
        for i in range(1, 5):
            key = f'layer{i}.{count_blocks(state_dict, f"layer{i}") - 1}.{last}.weight'
            if key not in state_dict:
                return None
            channels.append(state_dict[key].shape[0])
        return dict(layout='resnet' if resnet else 'byob', channels=channels,
                    depths=[count_blocks(state_dict, f'layer{i}') for i in range(1, 5)])

    @classmethod
    def describe_arch(cls, arch: dict) -> dict:
        return dict(layout=arch['layout'], channels=list(arch['channels']), depths=list(arch['depths']))
