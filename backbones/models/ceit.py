"""CeiT ("Incorporating Convolution Designs into Visual Transformers", Yuan et al., ICCV 2021) as a plain
single-scale backbone for dense prediction, on :class:`~backbones.models.isotropic.IsotropicBackbone`.

Facts from the official code (``coeusguo/ceit``, ``ceit_model.py``):

- Image-to-Tokens stem: 7x7 stride-2 conv (64 channels, no bias) + BatchNorm + 3x3 stride-2 max-pool (no
  activation), then a 4x4 stride-4 conv with bias to the embedding: stride 16 in all.
- Blocks: pre-norm attention (qkv with bias) and a locally-enhanced feed-forward (LeFF): 1x1 conv up + BN + GELU,
  3x3 depthwise conv + BN + GELU, 1x1 conv down + BN, on the patch tokens laid out as a map. The class token
  bypasses the convolutions: the LeFF returns its (normed) input for it, which the residual adds.
- A class token in every block, the position embedding covering it; the layer-wise class-token attention head
  (``lca``, ``pos_layer_embed``), its norm (``norm``) and ``head`` classify and are dropped here.

What changed for dense prediction: the LeFF takes any ``H x W`` map (the official one reshapes a square grid), the
position embedding is fitted to each grid, and the map is padded to the stride. Windows (ViTDet's adaptation): in
a windowed block each window's tokens attend to themselves and the class token joined to every window, and the
class token attends globally to all tokens, so it stays in every block as in pretraining and a window over the
whole map is global attention (``with_cls_token=False`` drops it instead, as ViTDet; docs/ceit.md compares both).
"""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmcv.cnn import build_norm_layer
from mmcv.cnn.bricks import DropPath
from mmengine.model.weight_init import trunc_normal_

from ..layers import Attention, scaled_dot_product, window_partition, window_unpartition
from ..state_dicts import count_blocks
from .base import register_backbone
from .isotropic import PYRAMID_SCALES, IsotropicBackbone
from .vit import ViT

# official name prefix -> ours (the stem is the isotropic base's ``patch_embed``)
OFFICIAL_STEM_NAMES = {'i2t.backbone.conv.': 'patch_embed.conv.', 'i2t.backbone.bn.': 'patch_embed.bn.',
                       'i2t.proj.': 'patch_embed.proj.'}


class Image2Tokens(nn.Module):
    """CeiT's I2T stem: 7x7 stride-2 conv + norm + 3x3 stride-2 max-pool, then a ``patch_size / 4`` patch conv:
    ``(B, in_channels, H, W)`` -> ``(B, embed_dims, H / patch_size, W / patch_size)``."""

    def __init__(self, in_channels: int, embed_dims: int, patch_size: int, stem_channels: int, norm_cfg: dict):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, stem_channels, 7, 2, 3, bias=False)
        self.bn = build_norm_layer(norm_cfg, stem_channels)[1]
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.proj = nn.Conv2d(stem_channels, embed_dims, patch_size // 4, patch_size // 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(self.maxpool(self.bn(self.conv(x))))


class LeFF(nn.Module):
    """Locally-enhanced feed-forward on ``(B, prefix + H * W, C)`` tokens: 1x1 conv + norm + GELU, depthwise
    ``kernel_size`` conv + norm + GELU, 1x1 conv + norm over the ``H x W`` map; the prefix tokens are returned as
    they came (the official LeFF's class token)."""

    def __init__(self, dim: int, hidden: int, kernel_size: int, norm_cfg: dict):
        super().__init__()
        self.conv1 = nn.Conv2d(dim, hidden, 1)
        self.conv2 = nn.Conv2d(hidden, hidden, kernel_size, padding=(kernel_size - 1) // 2, groups=hidden)
        self.conv3 = nn.Conv2d(hidden, dim, 1)
        self.act = nn.GELU()
        self.bn1 = build_norm_layer(norm_cfg, hidden)[1]
        self.bn2 = build_norm_layer(norm_cfg, hidden)[1]
        self.bn3 = build_norm_layer(norm_cfg, dim)[1]

    def forward(self, x: torch.Tensor, hw: Tuple[int, int]) -> torch.Tensor:
        B, N, C = x.shape
        prefix, tokens = x.split([N - hw[0] * hw[1], hw[0] * hw[1]], dim=1)
        y = tokens.reshape(B, *hw, C).permute(0, 3, 1, 2)
        y = self.act(self.bn1(self.conv1(y)))
        y = self.act(self.bn2(self.conv2(y)))
        y = self.bn3(self.conv3(y))
        return torch.cat((prefix, y.flatten(2).transpose(1, 2)), dim=1)


class CeiTBlock(nn.Module):
    """Pre-norm attention + LeFF on ``(B, prefix + H * W, C)`` tokens. ``window_size > 0``: the map attends in
    windows (zero-padded to a multiple, as ViTDet) with the prefix tokens joined to every window, and the prefix
    tokens attend globally to all tokens (their query against every key, as CeiT's class-token head does; the keys
    and values are those computed in the windows)."""

    def __init__(self,
                 dim: int,
                 num_heads: int,
                 mlp_ratio: float,
                 qkv_bias: bool,
                 drop_path: float,
                 window_size: int = 0,
                 leff_kernel: int = 3,
                 norm_cfg: dict = dict(type='BN'),
                 fused_attn: bool = True):
        super().__init__()
        self.window_size = window_size
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, num_heads, qkv_bias, fused_attn=fused_attn)
        self.drop_path = DropPath(drop_path) if drop_path > 0 else nn.Identity()
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.leff = LeFF(dim, int(dim * mlp_ratio), leff_kernel, norm_cfg)

    def forward(self, x: torch.Tensor, hw: Tuple[int, int]) -> torch.Tensor:
        y = self.norm1(x)
        y = self.window_attention(y, hw) if self.window_size else self.attn(y)
        x = x + self.drop_path(y)
        return x + self.drop_path(self.leff(self.norm2(x), hw))

    def window_attention(self, x: torch.Tensor, hw: Tuple[int, int]) -> torch.Tensor:
        attn, w = self.attn, self.window_size
        B, N, C = x.shape
        p, heads = N - hw[0] * hw[1], attn.num_heads
        windows, padded_hw = window_partition(x[:, p:].reshape(B, *hw, C), w)
        if not p:
            return window_unpartition(attn(windows), w, padded_hw, hw).reshape(B, -1, C)
        n = windows.shape[0] // B
        qkv = attn.qkv(torch.cat((x[:, :p].repeat_interleave(n, dim=0), windows), dim=1))  # (B * n, p + w * w, 3C)
        q, k, v = qkv.reshape(B * n, -1, 3, heads, C // heads).permute(2, 0, 3, 1, 4).unbind(0)
        drop = attn.attn_drop if self.training else 0.
        y = scaled_dot_product(q[:, :, p:], k, v, attn.scale, attn.fused_attn, drop)
        y = window_unpartition(y.transpose(1, 2).reshape(B * n, w * w, C), w, padded_hw, hw).reshape(B, -1, C)
        # the prefix queries (of each image's first window) against the keys and values of every token, taken from
        # the windows (computed once, the padding cropped)
        prefix = qkv[::n, :p]
        kv = window_unpartition(qkv[:, p:, C:], w, padded_hw, hw).reshape(B, -1, 2 * C)
        q = prefix[..., :C].reshape(B, p, heads, C // heads).transpose(1, 2)
        k, v = torch.cat((prefix[..., C:], kv), dim=1).reshape(B, N, 2, heads, C // heads).permute(2, 0, 3, 1, 4)
        y_prefix = scaled_dot_product(q, k, v, attn.scale, attn.fused_attn, drop).transpose(1, 2).reshape(B, p, C)
        return attn.proj_drop(attn.proj(torch.cat((y_prefix, y), dim=1)))


@register_backbone
class CeiT(IsotropicBackbone):
    """Convolution-enhanced image Transformer (CeiT) for dense prediction.

    Args:
        arch (str | dict): ``tiny``, ``small``, ``base`` (aliases ``t``, ``s``, ``b``; the official 224 and 384
            checkpoints share them) or a dict with ``embed_dims``, ``depth``, ``num_heads`` and optionally
            ``patch_size`` (16, a multiple of 4), ``mlp_ratio`` (4), ``stem_channels`` (64), ``leff_kernel`` (3).
            Defaults to ``'small'``.
        with_cls_token (bool): Run the class token through every block as the official model (windowed blocks
            join it to every window and let it attend globally). False drops it and its position on load, as
            ViTDet drops ViT's. Never part of the outputs. Defaults to True.
        norm_cfg (dict): The norm of the stem and the LeFFs (the checkpoints' BatchNorm): ``BN`` or ``SyncBN``.
            Defaults to ``dict(type='BN')``.
        drop_path_rate (float): Stochastic depth, rising linearly over the blocks. Defaults to 0.
        qkv_bias (bool): Biases of the qkv projection (the official models have them). Defaults to True.
        fused_attn (bool): ``F.scaled_dot_product_attention`` (True) or the explicit math path. Defaults to True.
        pretrain_img_size, attn_mode, window_size, in_channels, out_indices, pyramid, antialias_pos_embed,
        frozen_stages, norm_eval, with_cp, init_cfg: as :class:`~backbones.models.isotropic.IsotropicBackbone`;
            ``'hybrid'`` keeps ViTDet's four evenly spaced blocks global (2, 5, 8, 11 of 12). The final norm of the
            classifier (``norm``) normalises the class-token head's output, so it is not offered here.
    """

    arch_zoo: Dict[str, dict] = {
        **dict.fromkeys(['t', 'tiny'], dict(embed_dims=192, depth=12, num_heads=3)),
        **dict.fromkeys(['s', 'small'], dict(embed_dims=384, depth=12, num_heads=6)),
        **dict.fromkeys(['b', 'base'], dict(embed_dims=768, depth=12, num_heads=12)),
    }
    arch_required = ('embed_dims', 'depth', 'num_heads')
    arch_defaults = dict(patch_size=16, mlp_ratio=4., stem_channels=64, leff_kernel=3)
    # the layer-wise class-token attention head, its layer position embedding, its norm and the classifier
    classifier_keys = ('lca.', 'pos_layer_embed', 'norm.', 'head.')
    prefix_token_names = ('cls_token', )
    windows_take_prefix = True

    def __init__(self,
                 arch: Union[str, dict] = 'small',
                 pretrain_img_size: Optional[Union[int, Tuple[int, int]]] = None,
                 attn_mode: Union[str, Sequence[int]] = 'global',
                 window_size: int = 14,
                 with_cls_token: bool = True,
                 in_channels: int = 3,
                 out_indices: Union[int, Sequence[int]] = -1,
                 pyramid: Optional[Sequence[float]] = PYRAMID_SCALES,
                 norm_cfg: dict = dict(type='BN'),
                 antialias_pos_embed: bool = False,
                 drop_path_rate: float = 0.,
                 qkv_bias: bool = True,
                 frozen_stages: int = -1,
                 norm_eval: bool = False,
                 with_cp: Union[bool, Sequence[Union[bool, int]]] = False,
                 fused_attn: bool = True,
                 init_cfg: Optional[Union[dict, List[dict]]] = None):
        prefix_tokens = ('cls_token', ) if with_cls_token else ()
        super().__init__(arch, pretrain_img_size, attn_mode, window_size, prefix_tokens, in_channels, out_indices,
                         pyramid, False, antialias_pos_embed, frozen_stages, norm_eval, with_cp, init_cfg)
        self.norm_cfg, self.qkv_bias, self.fused_attn = dict(norm_cfg), qkv_bias, fused_attn
        self.build_grid(drop_path_rate)

    # ---- options and layers -----------------------------------------------------------------------
    @classmethod
    def check_arch(cls, arch: dict) -> None:
        super().check_arch(arch)
        if arch['patch_size'] % 4 or arch['patch_size'] < 4:
            raise ValueError(f'patch_size {arch["patch_size"]} must be a positive multiple of 4 (the I2T stem '
                             f'reduces by 4 before its patch conv)')
        if arch['leff_kernel'] % 2 == 0:
            raise ValueError(f'leff_kernel {arch["leff_kernel"]} must be odd (the LeFF keeps the map size)')

    @classmethod
    def hybrid_global(cls, index: int, depth: int) -> bool:
        """ViTDet's four evenly spaced global blocks, as the ViT family."""
        return ViT.hybrid_global(index, depth)

    def make_stem(self) -> nn.Module:
        a = self.arch
        return Image2Tokens(self.in_channels, self.embed_dims, self.patch_size, a['stem_channels'], self.norm_cfg)

    def make_block(self, index: int, window_size: int, drop_path: float) -> nn.Module:
        a = self.arch
        return CeiTBlock(self.embed_dims, a['num_heads'], a['mlp_ratio'], self.qkv_bias, drop_path, window_size,
                         a['leff_kernel'], self.norm_cfg, self.fused_attn)

    def init_after_cfg(self) -> None:
        """The official class token initialisation (truncated normal, std 0.02)."""
        if self.prefix_tokens:
            trunc_normal_(self.cls_token, std=.02)

    # ---- checkpoints ----------------------------------------------------------------------------
    @staticmethod
    def convert_checkpoint(state_dict: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        """The official I2T stem (``i2t.backbone.conv``, ``i2t.backbone.bn``, ``i2t.proj``) is our
        ``patch_embed``; every other official name is ours (pure and idempotent)."""
        out = {}
        for k, v in state_dict.items():
            old = next((o for o in OFFICIAL_STEM_NAMES if k.startswith(o)), None)
            out[OFFICIAL_STEM_NAMES[old] + k[len(old):] if old else k] = v
        return out

    @classmethod
    def describe_state_dict(cls, state_dict: Dict[str, torch.Tensor]) -> Optional[dict]:
        if 'blocks.0.leff.conv1.weight' not in state_dict or 'patch_embed.proj.weight' not in state_dict:
            return None
        return dict(embed_dims=int(state_dict['patch_embed.proj.weight'].shape[0]),
                    depth=count_blocks(state_dict, 'blocks'),
                    mlp_hidden=int(state_dict['blocks.0.leff.conv1.weight'].shape[0]))

    @classmethod
    def describe_arch(cls, arch: dict) -> dict:
        return dict(embed_dims=arch['embed_dims'], depth=arch['depth'],
                    mlp_hidden=int(arch['embed_dims'] * arch['mlp_ratio']))
