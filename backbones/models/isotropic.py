"""The base of plain (isotropic) transformers: one grid of blocks at the stem's stride, for dense prediction.

:class:`IsotropicBackbone` is a :class:`~backbones.models.base.PyramidBackbone` whose single stage is the whole grid
of blocks, counted block by block: ``out_indices`` index blocks and ``frozen_stages = k`` freezes the stem and the
first ``k`` blocks, through the same validation as every family. It owns what every plain transformer does around
its blocks: the padding of the input to the patch multiple, the prefix tokens (class / distillation) and the block
they join at, the absolute position embedding fitted to each input's grid, one window size per block (the ViTDet
window adaptation), the final norm and ViTDet's simple feature pyramid. A family gives its stem
(:meth:`~IsotropicBackbone.make_stem`), its block (:meth:`~IsotropicBackbone.make_block`, called as
``block(tokens, (H, W))``), its zoo (``embed_dims``, ``depth``, ``patch_size``), its converter and what it adds.
"""
import math
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model.weight_init import trunc_normal_

from ..layers import resize_pos_embed
from ..layers.norm import LayerNorm2d
from ..state_dicts import fit_pos_embed
from .base import PyramidBackbone, Stage

PYRAMID_SCALES = (4, 2, 1, 0.5)


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


def grid_of(size: Union[int, Sequence[int]], name: str, patch: int) -> Tuple[int, int]:
    """An input size as a patch grid ``(H / patch, W / patch)``."""
    hw = (size, size) if isinstance(size, int) else tuple(size)
    if len(hw) != 2 or any(s < patch for s in hw):
        raise ValueError(f'{name} must be an int or (H, W) of at least the patch size {patch}, got {size}')
    return hw[0] // patch, hw[1] // patch


class IsotropicBackbone(PyramidBackbone):
    """Plain transformer over one grid, as a pyramid backbone.

    Args:
        arch (str | dict): A zoo name or a dict with at least ``embed_dims``, ``depth`` and ``patch_size``.
        pretrain_img_size (int | tuple, optional): Input size the position embedding is stored for. None: the grid
            of the Pretrained checkpoint in ``init_cfg`` (read at build time, so that the embedding is interpolated
            once, from the checkpoint's grid to each input's), else 224. Checkpoints loaded later with another grid
            are resized on load. Defaults to None.
        attn_mode (str | list[int]): ``'global'``, ``'window'`` (every block in ``window_size`` windows),
            ``'hybrid'`` (the blocks :meth:`hybrid_global` names stay global) or one window size per block (0 =
            global). Defaults to ``'global'``.
        window_size (int): Window side in tokens. Defaults to 14.
        prefix_tokens (Sequence[str]): Names of the prefix tokens run through the blocks from block
            ``prefix_entry`` on (``'cls_token'``, ``'dist_token'``); never part of the outputs; blocks they pass
            through attend globally unless the family's blocks take them in windows (``windows_take_prefix``).
            Defaults to none.
        out_indices (int | Sequence[int]): Blocks (0-based, negatives from the end) whose maps are returned, or
            the block the pyramid is built from. Defaults to -1.
        pyramid (Sequence[float], optional): Scale factors of ViTDet's simple pyramid built from the last block in
            ``out_indices`` (4, 2, 1, 0.5: strides 4, 8, 16, 32 at patch 16); None returns the block maps.
            Defaults to (4, 2, 1, 0.5).
        final_norm (bool): Apply the checkpoint's final norm (``norm``) to the last block's output. Defaults to
            False.
        antialias_pos_embed (bool): Resize the position embedding with antialiasing (timm's
            ``dynamic_img_size``); False as detectron2, mmseg and mmpretrain. Defaults to False.
        in_channels, frozen_stages, norm_eval, with_cp, init_cfg: as :class:`PyramidBackbone`; ``frozen_stages``
            counts blocks (0: the stem, position embedding and prefix tokens).
    """

    freeze_unit = output_unit = 'block'
    windowable_stages = window_stages = (0, )
    prefix_token_names: Tuple[str, ...] = ('cls_token', 'dist_token')  # the prefix tokens a family may have
    prefix_entry = 0  # the block the prefix tokens join before
    pos_embed_covers_prefix = True  # pos_embed holds positions for the prefix tokens (ViT) or the grid only
    windows_take_prefix = False  # whether windowed blocks can run the prefix tokens (the family's blocks say how)
    # timm's initialisation of a plain transformer's linears and LayerNorms
    default_init_cfg = [
        dict(type='TruncNormal', layer='Linear', std=.02, bias=0.),
        dict(type='Constant', layer='LayerNorm', val=1., bias=0.)
    ]

    def __init__(self,
                 arch: Union[str, dict],
                 pretrain_img_size: Optional[Union[int, Tuple[int, int]]] = None,
                 attn_mode: Union[str, Sequence[int]] = 'global',
                 window_size: int = 14,
                 prefix_tokens: Sequence[str] = (),
                 in_channels: int = 3,
                 out_indices: Union[int, Sequence[int]] = -1,
                 pyramid: Optional[Sequence[float]] = PYRAMID_SCALES,
                 final_norm: bool = False,
                 antialias_pos_embed: bool = False,
                 frozen_stages: int = -1,
                 norm_eval: bool = False,
                 with_cp: Union[bool, Sequence[Union[bool, int]]] = False,
                 init_cfg: Optional[Union[dict, List[dict]]] = None):
        if not isinstance(attn_mode, str):  # one list per stage for the base: the grid is one stage of blocks
            attn_mode = [list(attn_mode)]
        super().__init__(arch, attn_mode, window_size, in_channels, out_indices, frozen_stages, norm_eval, with_cp,
                         init_cfg)
        self.window_sizes = self.window_sizes[0]
        dim, patch = self.arch['embed_dims'], self.arch['patch_size']
        self.embed_dims, self.patch_size = dim, patch
        unknown = [t for t in prefix_tokens if t not in self.prefix_token_names]
        if unknown:
            raise ValueError(f'prefix tokens {unknown} unknown; {type(self).__name__} has {self.prefix_token_names}')
        self.prefix_tokens = tuple(prefix_tokens)
        self.num_prefix_tokens = len(self.prefix_tokens)
        if self.prefix_tokens and not self.windows_take_prefix and any(self.window_sizes[self.prefix_entry:]):
            raise ValueError(f'window attention cannot take the class token: attn_mode={self.attn_mode!r} needs '
                             f'no prefix tokens in blocks {self.prefix_entry}.. (with_cls_token=False; ViTDet '
                             f'drops it)')
        self.pyramid_scales = tuple(pyramid) if pyramid else ()
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
        self.final_norm, self.antialias_pos_embed = final_norm, antialias_pos_embed
        if pretrain_img_size is None:
            self.pos_grid = self.pretrained_pos_grid(default=grid_of(224, 'pretrain_img_size', patch))
        else:
            self.pos_grid = grid_of(pretrain_img_size, 'pretrain_img_size', patch)

    # ---- the declaration ------------------------------------------------------------------------
    @classmethod
    def check_arch(cls, arch: dict) -> None:
        if arch['embed_dims'] % arch['num_heads']:
            raise ValueError(f'embed_dims {arch["embed_dims"]} must be a multiple of num_heads {arch["num_heads"]}')

    @classmethod
    def stage_depths(cls, arch: dict) -> List[int]:
        return [arch['depth']]

    def declare_stages(self):
        """The stem (patch embedding, position embedding, prefix tokens) and one stage: every block, then the final
        norm, at the patch stride."""
        a = self.arch
        return (('patch_embed', 'pos_embed') + self.prefix_token_names,
                [Stage(depth=a['depth'], channels=a['embed_dims'], stride=a['patch_size'], blocks='blocks',
                       tail=('norm', ))])

    @property
    def feature_info(self) -> List[dict]:
        dim, patch = self.embed_dims, self.patch_size
        if self.pyramid_scales:
            return [dict(num_chs=rescaled_channels(s, dim), reduction=int(patch / s), module=f'simple_pyramid.{i}')
                    for i, s in enumerate(self.pyramid_scales)]
        return [dict(num_chs=dim, reduction=patch, module=f'blocks.{i}') for i in self.out_indices]

    # ---- layers -----------------------------------------------------------------------------------
    def make_stem(self) -> nn.Module:
        """The patch embedding: ``(B, in_channels, H, W)`` -> ``(B, embed_dims, H / patch, W / patch)``."""
        raise NotImplementedError

    def make_block(self, index: int, window_size: int, drop_path: float) -> nn.Module:
        """Block ``index``, attending in ``window_size`` windows (0: globally), called as ``block(x, (H, W))`` on
        ``(B, prefix + H * W, C)`` tokens."""
        raise NotImplementedError

    def make_final_norm(self) -> nn.Module:
        return nn.LayerNorm(self.embed_dims, eps=1e-6)

    def build_grid(self, drop_path_rate: float = 0.) -> None:
        """Build the stem, prefix tokens, position embedding, blocks (stochastic depth rising linearly), final norm
        and pyramid, then apply ``frozen_stages``."""
        dim = self.embed_dims
        self.patch_embed = self.make_stem()
        for name in self.prefix_tokens:
            setattr(self, name, nn.Parameter(torch.zeros(1, 1, dim)))
        pos_prefix = self.num_prefix_tokens if self.pos_embed_covers_prefix else 0
        self.pos_embed = nn.Parameter(torch.zeros(1, pos_prefix + math.prod(self.pos_grid), dim))
        dpr = torch.linspace(0, drop_path_rate, len(self.window_sizes)).tolist()
        self.blocks = nn.ModuleList(self.make_block(j, w, dpr[j]) for j, w in enumerate(self.window_sizes))
        if self.final_norm:
            self.norm = self.make_final_norm()
        if self.pyramid_scales:
            self.simple_pyramid = nn.ModuleList(rescale_layer(s, dim) for s in self.pyramid_scales)
        self._freeze_stages()

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
        prefix = [getattr(self, n).expand(B, -1, -1) for n in self.prefix_tokens]
        if prefix and self.prefix_entry == 0 and self.pos_embed_covers_prefix:  # else they join unpositioned
            x, prefix = torch.cat(prefix + [x], dim=1), []
        # the position embedding first: the sum is then laid out (B, N, C) contiguous, as the blocks want it,
        # not as the transposed view of the stem's output
        x = self.resized_pos_embed((H, W)) + x
        maps, last = [], len(self.blocks) - 1
        for j, block in enumerate(self.blocks):
            if prefix and j == self.prefix_entry:
                x, prefix = torch.cat(prefix + [x], dim=1), []
            x = self.call_block(0, j, block, x, (H, W))
            if j in self.out_indices:
                y = self.norm(x) if self.final_norm and j == last else x
                maps.append(y[:, x.shape[1] - H * W:].transpose(1, 2).reshape(B, C, H, W).contiguous())
            if j == self.out_indices[-1]:
                break
        if self.pyramid_scales:
            return tuple(layer(maps[-1]) for layer in self.simple_pyramid)
        return tuple(maps)

    def resized_pos_embed(self, hw: Tuple[int, int]) -> torch.Tensor:
        """The position embedding for an ``hw`` patch grid (prefix positions kept)."""
        prefix = self.num_prefix_tokens if self.pos_embed_covers_prefix else 0
        return resize_pos_embed(self.pos_embed, self.pos_grid, hw, prefix, antialias=self.antialias_pos_embed)

    # ---- initialisation and checkpoints -----------------------------------------------------------
    def init_weights(self):
        if not self._is_init:  # timm's initialisation of what the default init_cfg does not reach
            trunc_normal_(self.pos_embed, std=.02)
            for name in self.prefix_tokens:
                nn.init.normal_(getattr(self, name), std=1e-6)
            self.init_stem()
        super().init_weights()

    def init_stem(self) -> None:
        """A family's own initialisation of its stem, before ``init_cfg``'s (default: none)."""

    def fit_state_dict(self, state_dict: Dict[str, torch.Tensor], notes: List[str]) -> Dict[str, torch.Tensor]:
        """Drop what this instance does not run (the final norm with ``final_norm=False``, prefix tokens it was not
        built with) with a note, and fit the position embedding to its prefix and grid."""
        sd = dict(state_dict)
        # the prefix positions the checkpoint's pos_embed may hold (none where the family's never does: ConViT)
        ckpt_prefix = sum(k in sd for k in self.prefix_token_names) if self.pos_embed_covers_prefix else 0
        dropped = [k for k in sd if k.startswith('norm.') and not self.final_norm]
        dropped += [k for k in self.prefix_token_names if k in sd and k not in self.prefix_tokens]
        for k in dropped:
            del sd[k]
        if dropped:
            notes.append(f'not run by this backbone (final norm with final_norm=False, prefix tokens it was not '
                         f'built with): {sorted(dropped)}')
        if 'pos_embed' in sd:
            own_prefix = self.num_prefix_tokens if self.pos_embed_covers_prefix else 0
            sd['pos_embed'] = fit_pos_embed(sd['pos_embed'], ckpt_prefix, own_prefix, self.pos_grid,
                                            self.antialias_pos_embed, notes)
        return sd

    def new_in_dense_use(self, key: str) -> bool:
        """The simple pyramid."""
        return key.startswith('simple_pyramid.') or super().new_in_dense_use(key)
