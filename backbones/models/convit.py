"""ConViT (d'Ascoli et al., ICML 2021) as a plain single-scale backbone for dense prediction.

- Blocks, parameter names and the zoo follow the official ``facebookresearch/convit`` ``convit.py`` and timm's
  ``convit_*`` (``qk``, ``v``, ``pos_proj``, ``gating_param``, ``proj``; ``pos_embed`` with no class position;
  ``cls_token``), so their checkpoints load unchanged: the first ``local_up_to_layer`` (10) blocks are gated
  positional self-attention (GPSA), the others plain MHSA; the class token joins before block ``local_up_to_layer``.
- GPSA for any ``H x W``: the positional scores ``pos_proj(dx, dy, dx^2 + dy^2)`` depend on the offsets between
  query and key only. The offsets are built by the backbone once per grid (or window) size and forward, and shared
  by the blocks. With ``fused_attn=True`` (the default) the positional softmax is computed per axis (it factorises:
  ``softmax_(ky,kx)(a(ky - qy) + b(kx - qx)) = softmax_ky(a) * softmax_kx(b)``) and the content softmax by
  ``F.scaled_dot_product_attention``: no ``N x N`` tensor. ``fused_attn=False`` is the official op order (the
  ``N x N x 3`` relative indices, the ``N x N`` scores per head, the mixture renormalised), for parity.
- ``attn_mode``: ``'global'``; ``'window'`` (every block in ``window_size`` windows, zero-padded as ViTDet; the GPSA
  offsets are the window's; needs ``with_cls_token=False``); ``'hybrid'`` (the GPSA blocks in windows, the MHSA
  blocks, which the class token joins, global); or one window size per block. Windowing a GPSA block changes what
  it computes: the positional softmax is normalised over the window, not the map (docs/convit.md).
- Outputs: ViTDet's simple pyramid from the last requested block, or the stride-16 maps of the blocks in
  ``out_indices``; the class token never appears in them.
"""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmcv.cnn.bricks import DropPath
from mmengine.model.weight_init import trunc_normal_

from ..layers import Mlp, scaled_dot_product, window_partition, window_unpartition
from ..state_dicts import count_blocks
from .base import register_backbone
from .isotropic import PYRAMID_SCALES, IsotropicBackbone
from .vit import ViTBlock, ViTStem

# the positions a GPSA block is given: per-axis offsets (dy, dx) for the factorised path, or the official
# (1, N, N, 3) relative indices for the explicit one
Positions = Union[Tuple[torch.Tensor, torch.Tensor], torch.Tensor]


def axis_offsets(size: int, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    """``(size, size)``: key minus query coordinate along one axis (``[q, k] = k - q``)."""
    coords = torch.arange(size, device=device, dtype=dtype)
    return coords[None, :] - coords[:, None]


def relative_positions(hw: Tuple[int, int], explicit: bool, device: torch.device, dtype: torch.dtype) -> Positions:
    """The offsets of every key from every query of an ``H x W`` map, row-major: ``(dy (H, H), dx (W, W))``, or
    with ``explicit`` the official ``rel_indices`` ``(1, N, N, 3)`` holding ``dx``, ``dy`` and ``dx^2 + dy^2``."""
    H, W = hw
    dy, dx = axis_offsets(H, device, dtype), axis_offsets(W, device, dtype)
    if not explicit:
        return dy, dx
    ind_x = dx.repeat(H, H)
    ind_y = dy.repeat_interleave(W, dim=0).repeat_interleave(W, dim=1)
    return torch.stack([ind_x, ind_y, ind_x**2 + ind_y**2], dim=-1)[None]


class GPSA(nn.Module):
    """Gated positional self-attention: per head, ``(1 - g) softmax(q k^T * scale) + g softmax(pos_proj(r))``,
    ``g = sigmoid(gating_param)``, ``r`` the relative position ``(dx, dy, dx^2 + dy^2)`` of key to query."""

    def __init__(self, dim: int, num_heads: int, qkv_bias: bool = False, fused_attn: bool = True):
        super().__init__()
        self.num_heads, self.dim = num_heads, dim
        self.scale = (dim // num_heads)**-0.5
        self.fused_attn = fused_attn
        self.qk = nn.Linear(dim, dim * 2, bias=qkv_bias)
        self.v = nn.Linear(dim, dim, bias=qkv_bias)
        self.proj = nn.Linear(dim, dim)
        self.pos_proj = nn.Linear(3, num_heads)
        # a shift of the positional scores cancels in their softmax: the bias (in the official checkpoints) has no
        # effect and no gradient, so it is kept as a buffer (loaded and saved, not trained)
        bias = self.pos_proj.bias.detach()
        del self.pos_proj.bias
        self.pos_proj.register_buffer('bias', bias)
        self.gating_param = nn.Parameter(torch.ones(num_heads))

    def local_init(self, locality_strength: float = 1.) -> None:
        """The official initialisation: ``v`` the identity, head ``h`` a Gaussian around its own offset of a
        ``sqrt(heads) x sqrt(heads)`` grid."""
        with torch.no_grad():
            self.v.weight.copy_(torch.eye(self.dim))
            kernel = int(self.num_heads**.5)
            center = (kernel - 1) / 2 if kernel % 2 == 0 else kernel // 2
            for h1 in range(kernel):
                for h2 in range(kernel):
                    position = h1 + kernel * h2
                    self.pos_proj.weight[position, 2] = -1
                    self.pos_proj.weight[position, 1] = 2 * (h1 - center)
                    self.pos_proj.weight[position, 0] = 2 * (h2 - center)
            self.pos_proj.weight.mul_(locality_strength)

    def forward(self, x: torch.Tensor, hw: Tuple[int, int], positions: Positions) -> torch.Tensor:
        B, N, C = x.shape
        heads = self.num_heads
        q, k = self.qk(x).reshape(B, N, 2, heads, C // heads).permute(2, 0, 3, 1, 4).unbind(0)
        v = self.v(x).reshape(B, N, heads, C // heads).permute(0, 2, 1, 3)
        gate = torch.sigmoid(self.gating_param).view(1, -1, 1, 1)
        if self.fused_attn:
            content = scaled_dot_product(q, k, v, self.scale)
            x = torch.lerp(content, self.positional_attention(v, hw, positions), gate)  # (1 - g) c + g p
        else:  # the official op order
            pos_score = self.pos_proj(positions.expand(B, -1, -1, -1)).permute(0, 3, 1, 2)
            patch_score = ((q @ k.transpose(-2, -1)) * self.scale).softmax(dim=-1)
            attn = (1. - gate) * patch_score + gate * pos_score.softmax(dim=-1)
            attn /= attn.sum(dim=-1).unsqueeze(-1)
            x = attn @ v
        return self.proj(x.transpose(1, 2).reshape(B, N, C))

    def positional_attention(self, v: torch.Tensor, hw: Tuple[int, int], offsets: Positions) -> torch.Tensor:
        """``softmax(pos_proj(r)) v`` without the ``N x N`` map: the score is ``a(dy) + b(dx)`` (the bias cancels
        in the softmax), so the softmax is the product of one over the key rows and one over the key columns."""
        dy, dx = offsets
        w = self.pos_proj.weight  # (heads, 3): dx, dy, dx^2 + dy^2
        rows = (w[:, 1, None, None] * dy + w[:, 2, None, None] * dy**2).softmax(dim=-1)  # (heads, H, H)
        cols = (w[:, 0, None, None] * dx + w[:, 2, None, None] * dx**2).softmax(dim=-1)  # (heads, W, W)
        B, heads, N, d = v.shape
        v = v.reshape(B, heads, hw[0], hw[1], d)
        out = torch.einsum('hyk,bhkxd->bhyxd', rows.to(v.dtype), v)
        out = torch.einsum('hxk,bhykd->bhyxd', cols.to(v.dtype), out)
        return out.reshape(B, heads, N, d)


class GPSABlock(nn.Module):
    """Pre-norm block with GPSA on ``(B, H * W, C)`` tokens (no prefix tokens); ``window_size > 0`` attends in
    windows of the ``H x W`` map, zero-padded to a multiple of the window, with the window's offsets."""

    def __init__(self, dim: int, num_heads: int, mlp_ratio: float, qkv_bias: bool, drop_path: float,
                 window_size: int = 0, fused_attn: bool = True):
        super().__init__()
        self.window_size = window_size
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = GPSA(dim, num_heads, qkv_bias, fused_attn)
        self.drop_path = DropPath(drop_path) if drop_path > 0 else nn.Identity()
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x: torch.Tensor, hw: Tuple[int, int], positions: Positions) -> torch.Tensor:
        y = self.norm1(x)
        w = self.window_size
        if w:
            B, N, C = y.shape
            windows, padded_hw = window_partition(y.view(B, *hw, C), w)
            y = self.attn(windows, (w, w), positions)
            y = window_unpartition(y, w, padded_hw, hw).reshape(B, N, C)
        else:
            y = self.attn(y, hw, positions)
        x = x + self.drop_path(y)
        return x + self.drop_path(self.mlp(self.norm2(x)))


@register_backbone
class ConViT(IsotropicBackbone):
    """ConViT for dense prediction.

    Args:
        arch (str | dict): ``tiny``, ``small``, ``base`` or a dict with ``embed_dims``, ``depth``, ``num_heads`` and
            optionally ``patch_size`` (16), ``mlp_ratio`` (4), ``local_up_to_layer`` (10: the GPSA blocks) and
            ``locality_strength`` (1: of the GPSA initialisation). Defaults to ``'small'``.
        with_cls_token (bool): Run the checkpoint's class token through the MHSA blocks, as the official model
            (it joins before block ``local_up_to_layer``); never part of the outputs. False drops it (and allows
            windows in the MHSA blocks). Defaults to True.
        attn_mode (str | list[int]): ``'global'``, ``'window'`` (needs ``with_cls_token=False``), ``'hybrid'``
            (GPSA blocks in windows, MHSA blocks global) or one window size per block (0 = global). Defaults to
            ``'global'``.
        window_size (int): Window side in tokens; 14 is the ImageNet grid. Defaults to 14.
        drop_path_rate (float): Stochastic depth, rising linearly over the blocks. Defaults to 0.
        qkv_bias (bool): Biases of ``qk``, ``v`` and ``qkv`` (the official models have none). Defaults to False.
        fused_attn (bool): The factorised positional softmax and ``F.scaled_dot_product_attention`` (True), or the
            official op order with the ``N x N`` maps (False). Equal up to float rounding. Defaults to True.
        pretrain_img_size, in_channels, out_indices, pyramid, final_norm, antialias_pos_embed, frozen_stages,
        norm_eval, with_cp, init_cfg: as :class:`~backbones.models.isotropic.IsotropicBackbone`.
    """

    arch_zoo: Dict[str, dict] = {
        'tiny': dict(embed_dims=192, depth=12, num_heads=4),
        'small': dict(embed_dims=432, depth=12, num_heads=9),
        'base': dict(embed_dims=768, depth=12, num_heads=16),
    }
    arch_required = ('embed_dims', 'depth', 'num_heads')
    arch_defaults = dict(patch_size=16, mlp_ratio=4., local_up_to_layer=10, locality_strength=1.)
    prefix_token_names = ('cls_token', )
    pos_embed_covers_prefix = False  # the official pos_embed holds the grid only
    classifier_keys = ('head.', )

    def __init__(self,
                 arch: Union[str, dict] = 'small',
                 pretrain_img_size: Optional[Union[int, Tuple[int, int]]] = None,
                 attn_mode: Union[str, Sequence[int]] = 'global',
                 window_size: int = 14,
                 with_cls_token: bool = True,
                 in_channels: int = 3,
                 out_indices: Union[int, Sequence[int]] = -1,
                 pyramid: Optional[Sequence[float]] = PYRAMID_SCALES,
                 final_norm: bool = False,
                 antialias_pos_embed: bool = False,
                 drop_path_rate: float = 0.,
                 qkv_bias: bool = False,
                 frozen_stages: int = -1,
                 norm_eval: bool = False,
                 with_cp: Union[bool, Sequence[Union[bool, int]]] = False,
                 fused_attn: bool = True,
                 init_cfg: Optional[Union[dict, List[dict]]] = None):
        # the class token joins before the first MHSA block; with none, it is never used
        settings = self.resolve_arch(arch)
        with_cls_token = with_cls_token and settings['local_up_to_layer'] < settings['depth']
        super().__init__(arch, pretrain_img_size, attn_mode, window_size, ('cls_token', ) if with_cls_token else (),
                         in_channels, out_indices, pyramid, final_norm, antialias_pos_embed, frozen_stages, norm_eval,
                         with_cp, init_cfg)
        self.qkv_bias, self.fused_attn = qkv_bias, fused_attn
        self._positions: Dict[Tuple[int, int], Positions] = {}
        self.build_grid(drop_path_rate)

    # ---- options and layers -----------------------------------------------------------------------
    @property
    def prefix_entry(self) -> int:
        """The class token joins before the first MHSA block."""
        return self.arch['local_up_to_layer']

    @classmethod
    def check_arch(cls, arch: dict) -> None:
        super().check_arch(arch)
        if not 0 <= arch['local_up_to_layer'] <= arch['depth']:
            raise ValueError(f'local_up_to_layer (the GPSA blocks) must be in 0..depth ({arch["depth"]}), got '
                             f'{arch["local_up_to_layer"]}')

    def resolve_window_sizes(self, depths: Sequence[int], attn_mode: Union[str, Sequence[Sequence[int]]],
                             window_size: int = 14) -> List[List[int]]:
        """As the base's, with ``'hybrid'`` = the GPSA blocks in windows, the MHSA blocks (with the class token)
        global."""
        if attn_mode != 'hybrid':
            return super().resolve_window_sizes(depths, attn_mode, window_size)
        sizes = super().resolve_window_sizes(depths, 'window', window_size)
        local = self.arch['local_up_to_layer']
        return [[w if j < local else 0 for j, w in enumerate(stage)] for stage in sizes]

    def make_stem(self) -> nn.Module:
        return ViTStem(self.in_channels, self.embed_dims, self.patch_size)

    def make_block(self, index: int, window_size: int, drop_path: float) -> nn.Module:
        a = self.arch
        if index < a['local_up_to_layer']:
            return GPSABlock(self.embed_dims, a['num_heads'], a['mlp_ratio'], self.qkv_bias, drop_path, window_size,
                             self.fused_attn)
        return ViTBlock(self.embed_dims, a['num_heads'], a['mlp_ratio'], self.qkv_bias, drop_path, window_size,
                        fused_attn=self.fused_attn)

    # ---- forward --------------------------------------------------------------------------------
    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """As the base's; the GPSA offsets of each map / window size are built once per forward."""
        self._positions = {}
        try:
            return super().forward(x)
        finally:
            self._positions = {}

    def call_block(self, stage: int, index: int, block: nn.Module, x: torch.Tensor, hw: Tuple[int, int]):
        if not isinstance(block, GPSABlock):
            return super().call_block(stage, index, block, x, hw)
        size = (block.window_size, ) * 2 if block.window_size else tuple(hw)
        if size not in self._positions:
            self._positions[size] = relative_positions(size, not self.fused_attn, x.device, x.dtype)
        return super().call_block(stage, index, block, x, hw, self._positions[size])

    # ---- initialisation and checkpoints -----------------------------------------------------------
    def init_after_cfg(self):
        """The official initialisation that ``init_cfg``'s truncated-normal linears must not overwrite: the class
        token's, then GPSA's local init."""
        if self.prefix_tokens:
            trunc_normal_(self.cls_token, std=.02)
        for block in self.blocks[:self.arch['local_up_to_layer']]:
            block.attn.local_init(self.arch['locality_strength'])

    @classmethod
    def describe_state_dict(cls, state_dict: Dict[str, torch.Tensor]) -> Optional[dict]:
        if 'blocks.0.attn.qk.weight' not in state_dict or 'patch_embed.proj.weight' not in state_dict:
            return None
        depth = count_blocks(state_dict, 'blocks')
        return dict(embed_dims=int(state_dict['blocks.0.attn.qk.weight'].shape[1]), depth=depth,
                    num_heads=int(state_dict['blocks.0.attn.gating_param'].shape[0]),
                    local_up_to_layer=sum(f'blocks.{j}.attn.qk.weight' in state_dict for j in range(depth)))

    @classmethod
    def describe_arch(cls, arch: dict) -> dict:
        return {k: arch[k] for k in ('embed_dims', 'depth', 'num_heads', 'local_up_to_layer')}
