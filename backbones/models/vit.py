"""Plain ViT / DeiT / ViT_C as a pyramid backbone, with ViTDet's window adaptation and simple feature pyramid.

- Blocks, parameter names and the absolute position embedding follow timm's ``VisionTransformer`` (so timm, DeiT
  and MAE state dicts load as they are; mmpretrain's are renamed on load).
- ``attn_mode``: ``'global'``; ``'window'`` (every block in ``window_size`` windows, the token map zero-padded as
  ViTDet); ``'hybrid'`` (ViTDet: four evenly spaced global blocks, 2/5/8/11 of 12); or one window size per block.
  ``rel_pos=True`` adds ViTDet's zero-initialised decomposed relative position.
- ``stem='conv'``: the convolutional stem of ViT_C ("Early Convolutions Help Transformers See Better", Xiao et al.
  2021, pycls): 3x3 convs with BatchNorm and ReLU, then a 1x1 conv with bias to the embedding.
- Outputs: ViTDet's simple pyramid (``pyramid=(4, 2, 1, 0.5)``: two deconvolutions, one, none, a max-pool) from the
  last requested block, strides 4 / 8 / 16 / 32; or, with ``pyramid=None``, the stride-16 maps of the blocks in
  ``out_indices`` (mmseg's multi-level ViT, ViTPose).
"""
import math
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmcv.cnn.bricks import DropPath

from ..layers import Attention, Mlp, residual_add, resize_decomposed_rel_pos, window_partition, window_unpartition
from ..state_dicts import count_blocks
from .base import register_backbone
from .isotropic import PYRAMID_SCALES, IsotropicBackbone, grid_of


class LayerScale(nn.Module):
    """Per-channel scaling of a residual branch (CaiT / DeiT-III); ``gamma`` as timm names it."""

    def __init__(self, dim: int, init_value: float):
        super().__init__()
        self.gamma = nn.Parameter(torch.full((dim, ), float(init_value)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.gamma


class ViTBlock(nn.Module):
    """Pre-norm transformer block on ``(B, prefix + H * W, C)`` tokens; ``window_size > 0`` attends in windows of
    the ``H x W`` map (no prefix tokens then), zero-padded to a multiple of the window as ViTDet."""

    def __init__(self,
                 dim: int,
                 num_heads: int,
                 mlp_ratio: float,
                 qkv_bias: bool,
                 drop_path: float,
                 window_size: int = 0,
                 rel_pos_size: Optional[Tuple[int, int]] = None,
                 layer_scale: Optional[float] = None,
                 fused_attn: bool = True):
        super().__init__()
        self.window_size = window_size
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, num_heads, qkv_bias, fused_attn=fused_attn, rel_pos_size=rel_pos_size)
        self.ls1 = LayerScale(dim, layer_scale) if layer_scale else nn.Identity()
        self.drop_path = DropPath(drop_path) if drop_path > 0 else nn.Identity()
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))
        self.ls2 = LayerScale(dim, layer_scale) if layer_scale else nn.Identity()

    def forward(self, x: torch.Tensor, hw: Tuple[int, int]) -> torch.Tensor:
        y = self.norm1(x)
        w = self.window_size
        if w:
            B, _, C = y.shape
            windows, padded_hw = window_partition(y.view(B, *hw, C), w)
            y = self.attn(windows, hw=(w, w))
            # the padding is cropped as the residual is added (a strided read), not by a copy of its own
            y = window_unpartition(y, w, padded_hw, padded_hw)[:, :hw[0], :hw[1]]
            x = x.reshape(B, *hw, C)
        else:
            y = self.attn(y, hw=hw)
        y = self.drop_path(self.ls1(y))
        # y is this block's own tensor: at inference the residuals are written into it (x, the caller's, is read)
        x = residual_add(y, x) if y.is_contiguous() else x + y
        x = x.reshape(x.shape[0], -1, x.shape[-1])
        return residual_add(x, self.drop_path(self.ls2(self.mlp(self.norm2(x)))))


class ViTStem(nn.Module):
    """Patch embedding to ``(B, C, H / s, W / s)``: one ``patch_size`` conv (``conv_channels=None``), or ViT_C's
    stack of 3x3 conv + BatchNorm + ReLU (``conv_channels`` / ``conv_strides``) then a 1x1 conv with bias."""

    def __init__(self, in_channels: int, embed_dims: int, patch_size: int, padding: int = 0,
                 conv_channels: Optional[Sequence[int]] = None, conv_strides: Optional[Sequence[int]] = None):
        super().__init__()
        if conv_channels is None:
            self.proj = nn.Conv2d(in_channels, embed_dims, patch_size, patch_size, padding)
            return
        layers = []
        for c, s in zip(conv_channels, conv_strides):
            layers.append(nn.Sequential(OrderedDict(conv=nn.Conv2d(in_channels, c, 3, s, 1, bias=False),
                                                    bn=nn.BatchNorm2d(c), act=nn.ReLU(inplace=True))))
            in_channels = c
        self.stem = nn.Sequential(*layers)
        self.proj = nn.Conv2d(in_channels, embed_dims, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(self.stem(x) if hasattr(self, 'stem') else x)


@register_backbone
class ViT(IsotropicBackbone):
    """Plain Vision Transformer (ViT, DeiT, ViT_C) for dense prediction.

    Args:
        arch (str | dict): ``deit-tiny``, ``deit-small``, ``deit-base``, ``vit-base``, ``vit-large``,
            ``vit-huge`` (patch 14), ``vitc-1gf``, ``vitc-4gf``, ``vitc-18gf``, ``vitc-36gf`` (conv stem) or a dict
            with ``embed_dims``, ``depth``, ``num_heads`` and optionally ``patch_size`` (16), ``mlp_ratio`` (4),
            ``layer_scale`` (initial gamma or None), ``stem_channels`` / ``stem_strides`` (ViT_C stem). Defaults
            to ``'deit-small'``.
        stem (str, optional): ``'patch'`` or ``'conv'`` (needs an arch with ``stem_channels``). None: ``'conv'``
            for archs with a conv stem, else ``'patch'``.
        img_size (int | tuple, optional): Input size the relative-position tables of global blocks are sized for
            (ViTDet: 1024); other sizes resize them. Defaults to the position embedding's grid.
        rel_pos (bool): Decomposed relative position in every block, zero-initialised. Defaults to False.
        with_cls_token (bool): Run the checkpoint's class token (and ``with_dist_token``: the distillation token)
            through the blocks, as DeiT and mmseg's ViT do; global attention only. Prefix tokens are never part of
            the outputs. False drops them and their positions on load, as ViTDet. Defaults to False.
        with_dist_token (bool): Also the distillation token of distilled DeiT checkpoints. Defaults to False.
        patch_padding (int): Padding of the patch convolution (ViTPose: 2). Defaults to 0.
        drop_path_rate (float): Stochastic depth, rising linearly over the blocks. Defaults to 0.
        qkv_bias (bool): Biases of the qkv projection. Defaults to True.
        fused_attn (bool): ``F.scaled_dot_product_attention`` (True) or the explicit math path. Defaults to True.
        pretrain_img_size, attn_mode, window_size, in_channels, out_indices, pyramid, final_norm,
        antialias_pos_embed, frozen_stages, norm_eval, with_cp, init_cfg: as
            :class:`~backbones.models.isotropic.IsotropicBackbone`; ``'hybrid'`` keeps ViTDet's four evenly spaced
            blocks global (2, 5, 8, 11 of 12).
    """

    arch_zoo: Dict[str, dict] = {
        'deit-tiny': dict(embed_dims=192, depth=12, num_heads=3),
        'deit-small': dict(embed_dims=384, depth=12, num_heads=6),
        **dict.fromkeys(['deit-base', 'vit-base'], dict(embed_dims=768, depth=12, num_heads=12)),
        'vit-large': dict(embed_dims=1024, depth=24, num_heads=16),
        'vit-huge': dict(embed_dims=1280, depth=32, num_heads=16, patch_size=14),
        'vitc-1gf': dict(embed_dims=192, depth=11, num_heads=3, mlp_ratio=3, stem_channels=[24, 48, 96, 192],
                         stem_strides=[2, 2, 2, 2]),
        'vitc-4gf': dict(embed_dims=384, depth=11, num_heads=6, mlp_ratio=3, stem_channels=[48, 96, 192, 384],
                         stem_strides=[2, 2, 2, 2]),
        'vitc-18gf': dict(embed_dims=768, depth=11, num_heads=12, stem_channels=[64, 128, 128, 256, 256, 512],
                          stem_strides=[2, 2, 1, 2, 1, 2]),
        'vitc-36gf': dict(embed_dims=1024, depth=13, num_heads=16, stem_channels=[64, 128, 128, 256, 256, 512],
                          stem_strides=[2, 2, 1, 2, 1, 2]),
    }
    arch_required = ('embed_dims', 'depth', 'num_heads')
    arch_defaults = dict(patch_size=16, mlp_ratio=4., layer_scale=None, stem_channels=None, stem_strides=None)
    # what classifiers and MAE pretraining have and a dense backbone does not use
    classifier_keys = ('head.', 'head_dist.', 'fc_norm.', 'pre_logits.', 'decoder', 'mask_token')

    def __init__(self,
                 arch: Union[str, dict] = 'deit-small',
                 stem: Optional[str] = None,
                 pretrain_img_size: Optional[Union[int, Tuple[int, int]]] = None,
                 img_size: Optional[Union[int, Tuple[int, int]]] = None,
                 attn_mode: Union[str, Sequence[int]] = 'global',
                 window_size: int = 14,
                 rel_pos: bool = False,
                 with_cls_token: bool = False,
                 with_dist_token: bool = False,
                 in_channels: int = 3,
                 out_indices: Union[int, Sequence[int]] = -1,
                 pyramid: Optional[Sequence[float]] = PYRAMID_SCALES,
                 final_norm: bool = False,
                 patch_padding: int = 0,
                 antialias_pos_embed: bool = False,
                 drop_path_rate: float = 0.,
                 qkv_bias: bool = True,
                 frozen_stages: int = -1,
                 norm_eval: bool = False,
                 with_cp: Union[bool, Sequence[Union[bool, int]]] = False,
                 fused_attn: bool = True,
                 init_cfg: Optional[Union[dict, List[dict]]] = None):
        if with_dist_token and not with_cls_token:
            raise ValueError('with_dist_token needs with_cls_token=True (distilled DeiT runs both)')
        if with_cls_token and rel_pos:
            raise ValueError('rel_pos=True needs with_cls_token=False (relative position covers the token map only)')
        prefix_tokens = ('cls_token', 'dist_token')[:int(with_cls_token) + int(with_dist_token)]
        super().__init__(arch, pretrain_img_size, attn_mode, window_size, prefix_tokens, in_channels, out_indices,
                         pyramid, final_norm, antialias_pos_embed, frozen_stages, norm_eval, with_cp, init_cfg)
        stem = stem or ('conv' if self.arch['stem_channels'] else 'patch')
        if stem not in ('patch', 'conv'):
            raise ValueError(f"stem must be 'patch' or 'conv', got {stem!r}")
        if stem == 'conv' and not self.arch['stem_channels']:
            raise ValueError('stem=\'conv\' needs an arch with stem_channels and stem_strides (the vitc-* archs, '
                             'or a dict arch with them)')
        self.stem, self.patch_padding, self.rel_pos = stem, patch_padding, rel_pos
        self.rel_grid = grid_of(img_size, 'img_size', self.patch_size) if img_size else self.pos_grid
        self.qkv_bias, self.fused_attn = qkv_bias, fused_attn
        self.build_grid(drop_path_rate)

    # ---- options and layers -----------------------------------------------------------------------
    @classmethod
    def check_arch(cls, arch: dict) -> None:
        super().check_arch(arch)
        if (arch['stem_channels'] is None) != (arch['stem_strides'] is None):
            raise ValueError('a conv stem needs both stem_channels and stem_strides')
        if arch['stem_strides'] is not None:
            if len(arch['stem_strides']) != len(arch['stem_channels']):
                raise ValueError(f'stem_channels {arch["stem_channels"]} and stem_strides {arch["stem_strides"]} '
                                 f'need one entry per conv')
            if math.prod(arch['stem_strides']) != arch['patch_size']:
                raise ValueError(f'the conv stem strides {arch["stem_strides"]} multiply to '
                                 f'{math.prod(arch["stem_strides"])}, not the patch size {arch["patch_size"]}')

    @classmethod
    def hybrid_global(cls, index: int, depth: int) -> bool:
        """ViTDet's four evenly spaced global blocks: 2, 5, 8, 11 of 12; 5, 11, 17, 23 of 24; 7, 15, 23, 31."""
        return index in {(k + 1) * depth // 4 - 1 for k in range(4)}

    def make_stem(self) -> nn.Module:
        conv = self.stem == 'conv'
        return ViTStem(self.in_channels, self.embed_dims, self.patch_size, self.patch_padding,
                       self.arch['stem_channels'] if conv else None, self.arch['stem_strides'])

    def make_block(self, index: int, window_size: int, drop_path: float) -> nn.Module:
        w, a = window_size, self.arch
        rel_pos_size = ((w, w) if w else self.rel_grid) if self.rel_pos else None
        return ViTBlock(self.embed_dims, a['num_heads'], a['mlp_ratio'], self.qkv_bias, drop_path, w, rel_pos_size,
                        a['layer_scale'], self.fused_attn)

    def init_stem(self) -> None:
        """pycls' initialisation of the conv stem."""
        if self.stem == 'conv':
            for layer in self.patch_embed.stem:
                nn.init.normal_(layer.conv.weight, std=math.sqrt(2.0 / layer.conv.out_channels))
            proj = self.patch_embed.proj
            nn.init.normal_(proj.weight, std=math.sqrt(1.0 / proj.out_channels))
            nn.init.zeros_(proj.bias)

    # ---- checkpoints ----------------------------------------------------------------------------
    @staticmethod
    def convert_checkpoint(state_dict: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        """timm / DeiT / MAE names are this module's; mmpretrain's ViT and the official DeiT-III gammas are
        renamed (pure and idempotent)."""
        out = {}
        for k, v in state_dict.items():
            parts = k.split('.')
            if parts[0] == 'layers':  # mmpretrain
                parts[0] = 'blocks'
                rest = '.'.join(parts[2:])
                rest = {'ln1': 'norm1', 'ln2': 'norm2'}.get(parts[2], parts[2]) + rest[len(parts[2]):]
                rest = rest.replace('ffn.layers.0.0.', 'mlp.fc1.').replace('ffn.layers.1.', 'mlp.fc2.')
                rest = rest.replace('attn.gamma1.weight', 'ls1.gamma').replace('ffn.gamma2.weight', 'ls2.gamma')
                k = f'blocks.{parts[1]}.{rest}'
            elif parts[0] == 'ln1':  # mmpretrain's final norm
                k = 'norm.' + '.'.join(parts[1:])
            elif k.startswith('patch_embed.projection.'):
                k = k.replace('patch_embed.projection.', 'patch_embed.proj.')
            elif parts[0] == 'blocks' and len(parts) == 3 and parts[2] in ('gamma_1', 'gamma_2'):  # DeiT-III
                k = f'blocks.{parts[1]}.ls{parts[2][-1]}.gamma'
            out[k] = v
        return out

    def fit_state_dict(self, state_dict: Dict[str, torch.Tensor], notes: List[str]) -> Dict[str, torch.Tensor]:
        """As :class:`IsotropicBackbone`'s, and the relative-position tables resized to this instance's."""
        sd = super().fit_state_dict(state_dict, notes)
        for k in [k for k in sd if k.endswith(('attn.rel_pos_h', 'attn.rel_pos_w'))]:
            target = self.state_dict().get(k)
            if target is not None and sd[k].shape != target.shape:
                sd[k] = resize_decomposed_rel_pos(sd[k], target.shape[0])
                notes.append(f'{k} resized to {target.shape[0]} rows')
        return sd

    def new_in_dense_use(self, key: str) -> bool:
        """The simple pyramid and the zero-initialised relative position (ViTDet)."""
        return key.endswith(('attn.rel_pos_h', 'attn.rel_pos_w')) or super().new_in_dense_use(key)

    @classmethod
    def describe_state_dict(cls, state_dict: Dict[str, torch.Tensor]) -> Optional[dict]:
        if 'blocks.0.attn.qkv.weight' not in state_dict or 'patch_embed.proj.weight' not in state_dict:
            return None
        dim = int(state_dict['blocks.0.attn.qkv.weight'].shape[1])
        return dict(embed_dims=dim,
                    depth=count_blocks(state_dict, 'blocks'),
                    mlp_hidden=int(state_dict['blocks.0.mlp.fc1.weight'].shape[0]))

    @classmethod
    def describe_arch(cls, arch: dict) -> dict:
        return dict(embed_dims=arch['embed_dims'], depth=arch['depth'],
                    mlp_hidden=int(arch['embed_dims'] * arch['mlp_ratio']))

