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
import torch.nn.functional as F
from mmcv.cnn.bricks import DropPath
from mmengine.logging import MMLogger
from mmengine.model.weight_init import trunc_normal_

from ..layers import (Attention, Mlp, residual_add, resize_decomposed_rel_pos, resize_pos_embed, window_partition,
                      window_unpartition)
from ..layers.norm import LayerNorm2d
from .base import PyramidBackbone, register_backbone

# what classifiers and MAE pretraining have and a dense backbone does not use
UNUSED_KEYS = ('head.', 'head_dist.', 'fc_norm.', 'pre_logits.', 'decoder', 'mask_token')
PYRAMID_SCALES = (4, 2, 1, 0.5)


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


def rescale_layer(scale: float, dim: int) -> nn.Module:
    """ViTDet's simple-pyramid resampling of a stride-s map to stride ``s / scale``: 4 -> deconv, LN, GELU, deconv
    (``dim / 4`` channels); 2 -> deconv (``dim / 2``); 1 -> as it is; 0.5 -> 2x2 max-pool."""
    assert scale in PYRAMID_SCALES, scale
    if scale == 4:
        return nn.Sequential(
            nn.ConvTranspose2d(dim, dim // 2, 2, 2), LayerNorm2d(dim // 2), nn.GELU(),
            nn.ConvTranspose2d(dim // 2, dim // 4, 2, 2))
    if scale == 2:
        return nn.ConvTranspose2d(dim, dim // 2, 2, 2)
    if scale == 1:
        return nn.Identity()
    return nn.MaxPool2d(2, 2)


def rescaled_channels(scale: float, dim: int) -> int:
    return {4: dim // 4, 2: dim // 2}.get(scale, dim)


@register_backbone
class ViT(PyramidBackbone):
    """Plain Vision Transformer (ViT, DeiT, ViT_C) for dense prediction.

    Args:
        arch (str | dict): ``deit-tiny``, ``deit-small``, ``deit-base``, ``vit-base``, ``vit-large``,
            ``vit-huge`` (patch 14), ``vitc-1gf``, ``vitc-4gf``, ``vitc-18gf``, ``vitc-36gf`` (conv stem) or a dict
            with ``embed_dims``, ``depth``, ``num_heads`` and optionally ``patch_size`` (16), ``mlp_ratio`` (4),
            ``layer_scale`` (initial gamma or None), ``stem_channels`` / ``stem_strides`` (ViT_C stem). Defaults
            to ``'deit-small'``.
        stem (str, optional): ``'patch'`` or ``'conv'`` (needs an arch with ``stem_channels``). None: ``'conv'``
            for archs with a conv stem, else ``'patch'``.
        pretrain_img_size (int | tuple): Input size the position embedding is stored for (224: a 14x14 grid at
            patch 16). Checkpoints of another grid are resized on load; every forward resizes it to the actual
            grid. Defaults to 224.
        img_size (int | tuple, optional): Input size the relative-position tables of global blocks are sized for
            (ViTDet: 1024); other sizes resize them. Defaults to ``pretrain_img_size``.
        attn_mode (str | list[int]): ``'global'``, ``'window'``, ``'hybrid'`` or one window size per block
            (0 = global). Defaults to ``'global'``.
        window_size (int): Window side in tokens (ViTDet: 14, the pretraining grid). Defaults to 14.
        rel_pos (bool): Decomposed relative position in every block, zero-initialised. Defaults to False.
        with_cls_token (bool): Run the checkpoint's class token (and ``with_dist_token``: the distillation token)
            through the blocks, as DeiT and mmseg's ViT do; global attention only. Prefix tokens are never part of
            the outputs. False drops them and their positions on load, as ViTDet. Defaults to False.
        with_dist_token (bool): Also the distillation token of distilled DeiT checkpoints. Defaults to False.
        out_indices (int | Sequence[int]): Blocks (0-based, negatives from the end) whose maps are returned, or
            the block the pyramid is built from. Defaults to -1.
        pyramid (Sequence[float], optional): Scale factors of the simple pyramid built from the last block in
            ``out_indices`` (4, 2, 1, 0.5: strides 4, 8, 16, 32 at patch 16); None returns the block maps.
            Defaults to (4, 2, 1, 0.5).
        final_norm (bool): Apply the checkpoint's final LayerNorm (``norm``) to the last block's output (timm's
            ``forward_features``, mmseg's ``final_norm``). ViTDet does not. Defaults to False.
        patch_padding (int): Padding of the patch convolution (ViTPose: 2). Defaults to 0.
        antialias_pos_embed (bool): Resize the position embedding with antialiasing, as timm's
            ``dynamic_img_size``; False as detectron2, mmseg and mmpretrain. Defaults to False.
        drop_path_rate (float): Stochastic depth, rising linearly over the blocks. Defaults to 0.
        frozen_stages (int): -1 nothing, 0 the stem, position embedding and prefix tokens, k those and blocks
            1..k. Defaults to -1.
        norm_eval, with_cp, in_channels, fused_attn, init_cfg: as :class:`PyramidBackbone` / UniFormer.
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
    strides = (16, )  # one stage of blocks at the patch stride
    windowable_stages = (0, )
    window_stages = (0, )
    freeze_unit = 'block'
    default_init_cfg = [
        dict(type='TruncNormal', layer='Linear', std=.02, bias=0.),
        dict(type='Constant', layer='LayerNorm', val=1., bias=0.)
    ]

    def __init__(self,
                 arch: Union[str, dict] = 'deit-small',
                 stem: Optional[str] = None,
                 pretrain_img_size: Union[int, Tuple[int, int]] = 224,
                 img_size: Optional[Union[int, Tuple[int, int]]] = None,
                 attn_mode: Union[str, Sequence[int]] = 'global',
                 window_size: int = 14,
                 rel_pos: bool = False,
                 with_cls_token: bool = False,
                 with_dist_token: bool = False,
                 in_channels: int = 3,
                 out_indices: Union[int, Sequence[int]] = -1,
                 pyramid: Optional[Sequence[float]] = (4, 2, 1, 0.5),
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
        if not isinstance(attn_mode, str):  # one list per stage for the base: ViT has one stage of blocks
            attn_mode = [list(attn_mode)]
        self.pyramid_scales = tuple(pyramid) if pyramid else ()
        super().__init__(arch, attn_mode, window_size, in_channels, out_indices, frozen_stages, norm_eval, with_cp,
                         init_cfg)
        a = self.arch
        dim, depth, patch = a['embed_dims'], a['depth'], a['patch_size']
        stem = stem or ('conv' if a['stem_channels'] else 'patch')
        if stem not in ('patch', 'conv'):
            raise ValueError(f"stem must be 'patch' or 'conv', got {stem!r}")
        if stem == 'conv' and not a['stem_channels']:
            raise ValueError('stem=\'conv\' needs an arch with stem_channels and stem_strides (the vitc-* archs, '
                             'or a dict arch with them)')
        self.stem, self.patch_size, self.embed_dims = stem, patch, dim
        self.window_sizes = self.window_sizes[0]
        if with_dist_token and not with_cls_token:
            raise ValueError('with_dist_token needs with_cls_token=True (distilled DeiT runs both)')
        if with_cls_token and any(self.window_sizes):
            raise ValueError(f'window attention cannot take the class token: attn_mode={self.attn_mode!r} needs '
                             f'with_cls_token=False (ViTDet drops it)')
        if with_cls_token and rel_pos:
            raise ValueError('rel_pos=True needs with_cls_token=False (relative position covers the token map only)')
        self.num_prefix_tokens = int(with_cls_token) + int(with_dist_token)
        self.final_norm, self.antialias_pos_embed = final_norm, antialias_pos_embed
        for scale in self.pyramid_scales:
            if scale not in PYRAMID_SCALES:
                raise ValueError(f'pyramid scales must be among {PYRAMID_SCALES} (ViTDet\'s simple pyramid), got '
                                 f'{scale}')
            if (patch / scale) % 1:
                raise ValueError(f'pyramid scale {scale} at patch {patch} gives stride {patch / scale}; use a '
                                 f'patch size divisible by 4 (arch=dict(..., patch_size=16)) or pyramid=None')
        if self.pyramid_scales and len(self.out_indices) != 1:
            raise ValueError(f'the pyramid is built from one block; got out_indices={out_indices}. Give one block '
                             f'or set pyramid=None to get the maps of several blocks')

        self.pos_grid = _pair(pretrain_img_size, 'pretrain_img_size', patch)
        rel_grid = _pair(img_size or pretrain_img_size, 'img_size', patch)
        self.patch_embed = ViTStem(in_channels, dim, patch, patch_padding, a['stem_channels'] if stem == 'conv'
                                   else None, a['stem_strides'])
        if with_cls_token:
            self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        if with_dist_token:
            self.dist_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, self.num_prefix_tokens + math.prod(self.pos_grid), dim))
        dpr = torch.linspace(0, drop_path_rate, depth).tolist()
        self.blocks = nn.ModuleList(
            ViTBlock(dim, a['num_heads'], a['mlp_ratio'], qkv_bias, dpr[j], w,
                     ((w, w) if w else rel_grid) if rel_pos else None, a['layer_scale'], fused_attn)
            for j, w in enumerate(self.window_sizes))
        if final_norm:
            self.norm = nn.LayerNorm(dim, eps=1e-6)
        if self.pyramid_scales:
            self.simple_pyramid = nn.ModuleList(rescale_layer(s, dim) for s in self.pyramid_scales)
        self._freeze_stages()

    # ---- options --------------------------------------------------------------------------------
    @classmethod
    def check_arch(cls, arch: dict) -> None:
        if arch['embed_dims'] % arch['num_heads']:
            raise ValueError(f'embed_dims {arch["embed_dims"]} must be a multiple of num_heads {arch["num_heads"]}')
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
    def stage_depths(cls, arch: dict) -> List[int]:
        return [arch['depth']]

    @classmethod
    def hybrid_global(cls, index: int, depth: int) -> bool:
        """ViTDet's four evenly spaced global blocks: 2, 5, 8, 11 of 12; 5, 11, 17, 23 of 24; 7, 15, 23, 31."""
        return index in {(k + 1) * depth // 4 - 1 for k in range(4)}

    def _resolve_out_indices(self, out_indices: Union[int, Sequence[int]]) -> Tuple[int, ...]:
        n = self.arch['depth']
        indices = [out_indices] if isinstance(out_indices, int) else list(out_indices)
        out = tuple(sorted({int(i) % n if -n <= int(i) < 0 else int(i) for i in indices}))
        if not out or out[0] < 0 or out[-1] >= n:
            raise ValueError(f'out_indices are blocks: a non-empty subset of 0..{n - 1} (or negatives), '
                             f'got {out_indices}')
        return out

    @property
    def out_channels(self) -> List[int]:
        """Channels of each output."""
        if self.pyramid_scales:
            return [rescaled_channels(s, self.embed_dims) for s in self.pyramid_scales]
        return [self.embed_dims] * len(self.out_indices)

    @property
    def out_strides(self) -> List[int]:
        if self.pyramid_scales:
            return [int(self.patch_size / s) for s in self.pyramid_scales]
        return [self.patch_size] * len(self.out_indices)

    @property
    def feature_info(self) -> List[dict]:
        modules = ([f'simple_pyramid.{i}' for i in range(len(self.pyramid_scales))] if self.pyramid_scales else
                   [f'blocks.{i}' for i in self.out_indices])
        return [dict(num_chs=c, reduction=s, module=m) for c, s, m in zip(self.out_channels, self.out_strides, modules)]

    def min_input_side(self) -> int:
        return max(self.out_strides)

    # ---- forward --------------------------------------------------------------------------------
    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        self.check_input(x)
        p = self.patch_size
        pad_h, pad_w = -x.shape[2] % p, -x.shape[3] % p
        if torch.jit.is_tracing() or pad_h or pad_w:  # to the patch multiple, as timm's dynamic_img_pad
            x = F.pad(x, (0, pad_w, 0, pad_h))
        x = self.patch_embed(x)
        B, C, H, W = x.shape
        x = x.flatten(2).transpose(1, 2)
        prefix = [getattr(self, n).expand(B, -1, -1) for n in ('cls_token', 'dist_token') if hasattr(self, n)]
        x = torch.cat(prefix + [x], dim=1) if prefix else x
        # the position embedding first: the sum is then laid out (B, N, C) contiguous, as the blocks want it,
        # not as the transposed view of the stem's output
        x = self.resized_pos_embed((H, W)) + x
        maps = []
        for j, block in enumerate(self.blocks):
            x = self.call_block(0, j, block, x, (H, W))
            if j in self.out_indices:
                y = self.norm(x) if self.final_norm and j == len(self.blocks) - 1 else x
                maps.append(y[:, self.num_prefix_tokens:].transpose(1, 2).reshape(B, C, H, W).contiguous())
            if j == self.out_indices[-1]:
                break
        if self.pyramid_scales:
            return tuple(layer(maps[-1]) for layer in self.simple_pyramid)
        return tuple(maps)

    def resized_pos_embed(self, hw: Tuple[int, int]) -> torch.Tensor:
        """The position embedding for an ``hw`` patch grid (prefix positions kept)."""
        return resize_pos_embed(self.pos_embed, self.pos_grid, hw, self.num_prefix_tokens,
                                antialias=self.antialias_pos_embed)

    # ---- training behaviour ---------------------------------------------------------------------
    @property
    def num_freezable(self) -> int:
        return self.arch['depth']

    def stage_members(self, stage: int) -> List[str]:
        """0: the stem, position embedding and prefix tokens; k: block k (1-based)."""
        return ['patch_embed', 'pos_embed', 'cls_token', 'dist_token'] if stage == 0 else [f'blocks.{stage - 1}']

    def layer_id(self, name: str) -> Optional[int]:
        """ViTDet's / BEiT's layer ids: the stem, position embedding and tokens 0, block j ``j + 1``, the final
        norm the last block's; the simple pyramid goes with the neck."""
        top = name.split('.')[0]
        if top in ('patch_embed', 'pos_embed', 'cls_token', 'dist_token'):
            return 0
        if top == 'blocks':
            return int(name.split('.')[1]) + 1
        if top == 'norm':
            return self.arch['depth']
        return None

    def init_weights(self):
        if not self._is_init:  # timm's initialisation of what the default init_cfg does not reach, pycls' stem's
            trunc_normal_(self.pos_embed, std=.02)
            for name in ('cls_token', 'dist_token'):
                if hasattr(self, name):
                    nn.init.normal_(getattr(self, name), std=1e-6)
            if self.stem == 'conv':
                for layer in self.patch_embed.stem:
                    nn.init.normal_(layer.conv.weight, std=math.sqrt(2.0 / layer.conv.out_channels))
                proj = self.patch_embed.proj
                nn.init.normal_(proj.weight, std=math.sqrt(1.0 / proj.out_channels))
                nn.init.zeros_(proj.bias)
        super().init_weights()

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

    def fit_state_dict(self, state_dict: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        """Drop what this backbone does not run (classifier, MAE decoder, final norm, prefix tokens) with a note,
        and resize the position embedding and relative-position tables to this instance's."""
        notes, sd = [], dict(state_dict)
        dropped = [k for k in sd if k.startswith(UNUSED_KEYS) or (k.startswith('norm.') and not self.final_norm)]
        dropped += [k for k in ('cls_token', 'dist_token') if k in sd and not hasattr(self, k)]
        for k in dropped:
            del sd[k]
        if dropped:
            notes.append(f'not used by this backbone (classifier, MAE decoder, final norm with final_norm=False, '
                         f'prefix tokens with with_cls_token=False): {sorted(dropped)}')
        if 'pos_embed' in sd:
            sd['pos_embed'] = self._fit_pos_embed(sd['pos_embed'], sum(k in state_dict
                                                                        for k in ('cls_token', 'dist_token')), notes)
        for k in [k for k in sd if k.endswith(('attn.rel_pos_h', 'attn.rel_pos_w'))]:
            target = self.state_dict().get(k)
            if target is not None and sd[k].shape != target.shape:
                sd[k] = resize_decomposed_rel_pos(sd[k], target.shape[0])
                notes.append(f'{k} resized to {target.shape[0]} rows')
        if notes:
            MMLogger.get_current_instance().info(f'{type(self).__name__}: ' + '; '.join(notes))
        return sd

    def _fit_pos_embed(self, pos: torch.Tensor, ckpt_prefix: int, notes: List[str]) -> torch.Tensor:
        """A checkpoint's ``(1, prefix + grid, C)`` position embedding as this model's: its prefix positions (zeros
        for checkpoints with none, as timm's ``no_embed_class``) and grid (bicubic resize)."""
        n = pos.shape[1]
        own = math.prod(self.pos_grid)
        # prefix positions: as many as the tokens (timm default) or none (no_embed_class); grid: ours or square
        for prefix in (ckpt_prefix, 0):
            grid = n - prefix
            if grid == own:
                src = self.pos_grid
                break
            if math.isqrt(grid)**2 == grid:
                src = (math.isqrt(grid), ) * 2
                break
        else:
            raise ValueError(f'pos_embed of shape {tuple(pos.shape)} holds no square grid after {ckpt_prefix} '
                             f'prefix tokens; give pretrain_img_size as the checkpoint\'s input size')
        head = pos[:, :prefix]
        if self.num_prefix_tokens > prefix:
            head = torch.cat([head, head.new_zeros(1, self.num_prefix_tokens - prefix, pos.shape[2])], dim=1)
        grid = resize_pos_embed(pos[:, prefix:], src, self.pos_grid, 0, antialias=self.antialias_pos_embed)
        if src != self.pos_grid:
            notes.append(f'pos_embed resized from a {src[0]}x{src[1]} to a {self.pos_grid[0]}x{self.pos_grid[1]} '
                         f'grid')
        return torch.cat([head[:, :self.num_prefix_tokens], grid], dim=1)

    def new_in_dense_use(self, key: str) -> bool:
        """The simple pyramid and the zero-initialised relative position (ViTDet)."""
        return key.startswith('simple_pyramid.') or key.endswith(('attn.rel_pos_h', 'attn.rel_pos_w'))

    @classmethod
    def describe_state_dict(cls, state_dict: Dict[str, torch.Tensor]) -> Optional[dict]:
        if 'blocks.0.attn.qkv.weight' not in state_dict or 'patch_embed.proj.weight' not in state_dict:
            return None
        dim = int(state_dict['blocks.0.attn.qkv.weight'].shape[1])
        return dict(embed_dims=dim,
                    depth=1 + max(int(k.split('.')[1]) for k in state_dict if k.startswith('blocks.')),
                    mlp_hidden=int(state_dict['blocks.0.mlp.fc1.weight'].shape[0]))

    @classmethod
    def describe_arch(cls, arch: dict) -> dict:
        return dict(embed_dims=arch['embed_dims'], depth=arch['depth'],
                    mlp_hidden=int(arch['embed_dims'] * arch['mlp_ratio']))


def _pair(size: Union[int, Sequence[int]], name: str, patch: int) -> Tuple[int, int]:
    """An input size as a patch grid ``(H / patch, W / patch)``."""
    hw = (size, size) if isinstance(size, int) else tuple(size)
    if len(hw) != 2 or any(s < patch for s in hw):
        raise ValueError(f'{name} must be an int or (H, W) of at least the patch size {patch}, got {size}')
    return hw[0] // patch, hw[1] // patch
