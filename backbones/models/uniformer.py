"""UniFormer (S / S+ / B / B-LS) for dense prediction: its blocks, zoo and checkpoint converter.

UniFormer: Unifying Convolution and Self-attention for Visual Recognition (ICLR 2022,
https://arxiv.org/abs/2201.09450). Module names follow the official code (Sense-X/UniFormer) so that
official ImageNet and downstream checkpoints load unchanged; the window adaptation is resolved at
build time into one window size per block, so every attention mode shares the same parameters.
"""
from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.nn as nn
from mmcv.cnn import build_norm_layer
from mmcv.cnn.bricks import DropPath

from ..layers import (Attention, ConvEmbed, Mlp, PatchEmbed, is_channels_last, nhwc_to_nchw, norm_then_pointwise,
                      residual_add, window_partition, window_unpartition)
from ..state_dicts import count_blocks
from .base import PyramidBackbone, register_backbone


class ConvBlock(nn.Module):
    """Local UniFormer block (``CBlock`` upstream), on NCHW maps.

    DPE (3x3 depthwise conv, residual) -> norm -> 1x1 -> 5x5 depthwise -> 1x1 (residual)
    -> norm -> 1x1-conv MLP (residual).
    """

    def __init__(self, dim: int, mlp_ratio: float, drop: float, drop_path: float, norm_cfg: dict,
                 fold_bn: bool = True):
        super().__init__()
        self.fold_bn = fold_bn
        self.pos_embed = nn.Conv2d(dim, dim, 3, padding=1, groups=dim)
        self.norm1 = build_norm_layer(norm_cfg, dim)[1]
        self.conv1 = nn.Conv2d(dim, dim, 1)
        self.attn = nn.Conv2d(dim, dim, 5, padding=2, groups=dim)
        self.conv2 = nn.Conv2d(dim, dim, 1)
        self.drop_path = DropPath(drop_path) if drop_path > 0 else nn.Identity()
        self.norm2 = build_norm_layer(norm_cfg, dim)[1]
        self.mlp = Mlp(dim, int(dim * mlp_ratio), drop, conv=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = residual_add(self.pos_embed(x), x)  # from here on x is this block's own tensor
        y = norm_then_pointwise(self.norm1, self.conv1, x, self.fold_bn)
        x = residual_add(x, self.drop_path(self.conv2(self.attn(y))))
        y = self.mlp.from_hidden(norm_then_pointwise(self.norm2, self.mlp.fc1, x, self.fold_bn))
        return residual_add(x, self.drop_path(y))


class AttentionBlock(nn.Module):
    """Global UniFormer block (``SABlock`` / ``SABlock_Windows`` upstream), on NCHW maps.

    DPE -> LayerNorm -> multi-head self-attention (residual) -> LayerNorm -> MLP (residual).

    Args:
        window_size (int): 0 attends over the whole map; otherwise inside non-overlapping windows of
            this side, the map zero-padded to a multiple of it with no mask (the official behaviour).
        layer_scale (float, optional): Initial value of the LayerScale gammas (``*_ls`` models).
    """

    def __init__(self,
                 dim: int,
                 num_heads: int,
                 mlp_ratio: float,
                 qkv_bias: bool,
                 qk_scale: Optional[float],
                 drop: float,
                 attn_drop: float,
                 drop_path: float,
                 window_size: int = 0,
                 layer_scale: Optional[float] = None,
                 fused_attn: bool = True):
        super().__init__()
        self.window_size = window_size
        self.pos_embed = nn.Conv2d(dim, dim, 3, padding=1, groups=dim)
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, num_heads, qkv_bias, qk_scale, attn_drop, drop, fused_attn)
        self.drop_path = DropPath(drop_path) if drop_path > 0 else nn.Identity()
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = Mlp(dim, int(dim * mlp_ratio), drop)
        if layer_scale is not None:
            self.gamma_1 = nn.Parameter(torch.full((dim, ), float(layer_scale)))
            self.gamma_2 = nn.Parameter(torch.full((dim, ), float(layer_scale)))
        else:
            self.gamma_1 = self.gamma_2 = None

    def _attend(self, x: torch.Tensor) -> torch.Tensor:
        """Self-attention on a channel-last map ``(B, H, W, C)``, globally or per window."""
        B, H, W, C = x.shape
        if not self.window_size:
            return self.attn(x.reshape(B, H * W, C)).view(B, H, W, C)
        windows, padded_hw = window_partition(x, self.window_size)
        return window_unpartition(self.attn(windows), self.window_size, padded_hw, (H, W))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        channels_last = is_channels_last(x)
        x = residual_add(self.pos_embed(x), x)  # from here on x is this block's own tensor
        x = x.permute(0, 2, 3, 1)  # NHWC: a view when the input is stored channels-last
        y = self._attend(self.norm1(x))
        x = residual_add(x, self.drop_path(y if self.gamma_1 is None else self.gamma_1 * y))
        y = self.mlp(self.norm2(x))
        x = residual_add(x, self.drop_path(y if self.gamma_2 is None else self.gamma_2 * y))
        return nhwc_to_nchw(x, channels_last)


@register_backbone
class UniFormer(PyramidBackbone):
    """UniFormer backbone giving a feature pyramid (strides 4, 8, 16, 32).

    Registered in mmengine's root ``MODELS`` registry, so ``type='UniFormer'`` resolves from mmdet,
    mmseg and mmpose configs after ``custom_imports = dict(imports=['backbones'])``. The options shared by every
    family (``out_indices``, ``frozen_stages``, ``norm_eval``, ``with_cp``, ``init_cfg``, the input check) are
    described in :class:`~backbones.models.base.PyramidBackbone`.

    Args:
        arch (str | dict): A name of :attr:`arch_zoo` (``'small'``/``'s'``, ``'small_plus'``,
            ``'small_plus_dim64'``, ``'base'``/``'b'``, ``'base_ls'``) or a dict with ``depths``,
            ``embed_dims``, ``head_dim`` and optionally ``conv_stem`` (bool), ``layer_scale``
            (initial gamma or None), ``mlp_ratio``. Defaults to ``'small'``.
        attn_mode (str | list[list[int]]): ``'global'``, ``'window'`` (every stage-3 block windowed) or
            ``'hybrid'`` (stage-3 blocks with ``(i + 1) % 4 == 0`` global, the rest windowed); stage 4 is global
            in these modes. Or one window size per block (0 = global; stages 3 and 4 may have windows).
            Defaults to ``'global'``.
        window_size (int): Window side for the windowed blocks, in stage-3 tokens. Defaults to 14.
        norm_cfg (dict): Norm of the local blocks and conv stem (``BN`` or ``SyncBN``).
        drop_path_rate (float): Stochastic depth, linearly increasing over all blocks.
        drop_rate (float): Dropout after projections. attn_drop_rate (float): Attention dropout.
        qkv_bias (bool): qkv bias. qk_scale (float, optional): Overrides ``head_dim ** -0.5``.
        fused_attn (bool): Use ``F.scaled_dot_product_attention`` (True) or the explicit math path.
        optimized (bool): Run on channels-last feature maps (1x1 convolutions become matrix products, faster on
            CPU: docs/uniformer.md; the token layout of the attention blocks is a free view) and fold
            inference-time BatchNorms into the 1x1 convolutions after them. Same results up to float rounding;
            outputs are contiguous NCHW either way. False keeps the official layout and op order (with
            ``fused_attn=False``, the official rounding bit for bit). Defaults to True.
        out_norm_cfg (dict, optional): Norm of each requested output (``LN`` as the official dense models,
            ``BN`` / ``SyncBN``, or None). Defaults to ``dict(type='LN', eps=1e-6)``.
    """

    arch_zoo: Dict[str, dict] = {
        **dict.fromkeys(['s', 'small'], dict(depths=[3, 4, 8, 3], embed_dims=[64, 128, 320, 512], head_dim=64)),
        'small_plus': dict(depths=[3, 5, 9, 3], embed_dims=[64, 128, 320, 512], head_dim=32, conv_stem=True),
        'small_plus_dim64': dict(depths=[3, 5, 9, 3], embed_dims=[64, 128, 320, 512], head_dim=64, conv_stem=True),
        **dict.fromkeys(['b', 'base'], dict(depths=[5, 8, 20, 7], embed_dims=[64, 128, 320, 512], head_dim=64)),
        'base_ls': dict(depths=[5, 8, 20, 7], embed_dims=[64, 128, 320, 512], head_dim=64, layer_scale=1e-6),
    }
    arch_required = ('depths', 'embed_dims', 'head_dim')
    arch_defaults = dict(conv_stem=False, layer_scale=None, mlp_ratio=4.)
    windowable_stages = (2, 3)
    window_stages = (2, )
    hybrid_global_every = 4
    classifier_keys = ('head.', 'norm.', 'pre_logits.')  # what only the ImageNet classifiers have
    legacy_arch_meta_keys = ('uniformer_arch', )  # where the first conversions recorded the arch
    default_init_cfg = [
        dict(type='TruncNormal', layer='Linear', std=.02, bias=0.),
        dict(type='Constant', layer='LayerNorm', val=1., bias=0.)
    ]

    def __init__(self,
                 arch: Union[str, dict] = 'small',
                 attn_mode: Union[str, Sequence[Sequence[int]]] = 'global',
                 window_size: int = 14,
                 in_channels: int = 3,
                 out_indices: Union[int, Sequence[int]] = (0, 1, 2, 3),
                 frozen_stages: int = -1,
                 norm_eval: bool = False,
                 norm_cfg: dict = dict(type='BN', requires_grad=True),
                 with_cp: Union[bool, Sequence[Union[bool, int]]] = False,
                 drop_path_rate: float = 0.,
                 drop_rate: float = 0.,
                 attn_drop_rate: float = 0.,
                 qkv_bias: bool = True,
                 qk_scale: Optional[float] = None,
                 fused_attn: bool = True,
                 optimized: bool = True,
                 out_norm_cfg: Optional[dict] = dict(type='LN', eps=1e-6),
                 init_cfg: Optional[Union[dict, List[dict]]] = None):
        super().__init__(arch, attn_mode, window_size, in_channels, out_indices, frozen_stages, norm_eval, with_cp,
                         init_cfg, out_norm_cfg)
        self.optimized = optimized
        self.norm_cfg = norm_cfg
        self.block_cfg = dict(drop=drop_rate, attn_drop=attn_drop_rate, qkv_bias=qkv_bias, qk_scale=qk_scale,
                              fused_attn=fused_attn)
        self.build_pyramid(drop_path_rate)

    @classmethod
    def check_arch(cls, arch: dict) -> None:
        for dim in arch['embed_dims'][2:]:
            if dim % arch['head_dim']:
                raise ValueError(f'embed_dims {arch["embed_dims"][2:]} of the attention stages must be '
                                 f'multiples of head_dim {arch["head_dim"]}')

    def make_embed(self, stage: int, in_dim: int, dim: int) -> nn.Module:
        if self.arch['conv_stem']:
            return ConvEmbed(in_dim, dim, stem=stage == 0, norm_cfg=self.norm_cfg)
        return PatchEmbed(in_dim, dim, patch_size=4 if stage == 0 else 2)

    def make_block(self, stage: int, index: int, drop_path: float) -> nn.Module:
        """Convolutional blocks in stages 1-2, attention blocks in 3-4."""
        dim, mlp_ratio, c = self.arch['embed_dims'][stage], self.arch['mlp_ratio'], self.block_cfg
        if stage < 2:
            return ConvBlock(dim, mlp_ratio, c['drop'], drop_path, self.norm_cfg, fold_bn=self.optimized)
        return AttentionBlock(dim, dim // self.arch['head_dim'], mlp_ratio, c['qkv_bias'], c['qk_scale'], c['drop'],
                              c['attn_drop'], drop_path, self.window_sizes[stage][index], self.arch['layer_scale'],
                              c['fused_attn'])

    def prepare_input(self, x: torch.Tensor) -> torch.Tensor:
        return x.contiguous(memory_format=torch.channels_last) if self.optimized else x

    @classmethod
    def describe_state_dict(cls, state_dict: Dict[str, torch.Tensor]) -> Optional[dict]:
        return describe_uniformer_state_dict(state_dict)

    @classmethod
    def describe_arch(cls, arch: dict) -> dict:
        return describe_uniformer_arch(arch, cls_token=False)


def describe_uniformer_state_dict(state_dict: Dict[str, torch.Tensor]) -> Optional[dict]:
    """The arch a UniFormer-layout state dict (either family) was saved from, as far as shapes tell (not
    head_dim), or None when it does not hold a whole backbone."""
    if not all(f'blocks{s}.0.pos_embed.weight' in state_dict for s in range(1, 5)):
        return None
    depths = [count_blocks(state_dict, f'blocks{s}') for s in range(1, 5)]
    dims = [int(state_dict[f'blocks{s}.0.pos_embed.weight'].shape[0]) for s in range(1, 5)]
    return dict(depths=depths, embed_dims=dims, conv_stem='patch_embed1.proj.0.weight' in state_dict,
                layer_scale='blocks3.0.gamma_1' in state_dict, cls_token='cls_token' in state_dict)


def describe_uniformer_arch(arch: dict, cls_token: bool) -> dict:
    """The shape-visible part of resolved arch settings, comparable with describe_uniformer_state_dict."""
    return dict(depths=list(arch['depths']), embed_dims=list(arch['embed_dims']), conv_stem=bool(arch['conv_stem']),
                layer_scale=arch['layer_scale'] is not None, cls_token=cls_token)
